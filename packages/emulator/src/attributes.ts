/** The user pool's attribute schema: standard OIDC attributes plus `custom:*` (all strings). */
import { ApiError } from './api-error.ts';

export const STANDARD_ATTRIBUTES: ReadonlySet<string> = new Set([
  'address',
  'birthdate',
  'email',
  'email_verified',
  'family_name',
  'gender',
  'given_name',
  'locale',
  'middle_name',
  'name',
  'nickname',
  'phone_number',
  'phone_number_verified',
  'picture',
  'preferred_username',
  'profile',
  'updated_at',
  'website',
  'zoneinfo',
]);

/** The standard attributes the `profile` scope releases: all but the email and phone ones. */
export const PROFILE_ATTRIBUTES: ReadonlySet<string> = new Set(
  [...STANDARD_ATTRIBUTES].filter((name) => !/^(email|phone_number)(_verified)?$/.test(name)),
);

/** Throws InvalidParameterException for `sub` and for names outside the schema. */
export function checkAttributeName(name: string, creating: boolean): void {
  if (name === 'sub') {
    if (creating)
      throw new ApiError('InvalidParameterException', 'Cannot modify an immutable attribute: sub');
    throw new ApiError('InvalidParameterException', 'Cannot modify the non-mutable attribute sub');
  }
  if (STANDARD_ATTRIBUTES.has(name)) return;
  if (/^custom:[\w]{1,20}$/.test(name)) return;
  throw new ApiError(
    'InvalidParameterException',
    `Attribute does not exist in the schema: ${name.slice(0, 40)}`,
  );
}
