/** The stored fields of a user, computed in one place for the replica and the sync. */
import { emailLowerOf, emailOf, emailVerifiedOf, sortAttributes, sortedFingerprint } from './normalize.ts';
import type { UserFields } from './user-store.ts';

export function userFields(input: {
  readonly username: string | null;
  readonly attributes: Readonly<Record<string, string>>;
  readonly status: string | null;
  readonly enabled: boolean;
}): UserFields {
  const attributes = sortAttributes(input.attributes);
  const email = emailOf(attributes);
  return {
    username: input.username,
    email,
    emailLower: emailLowerOf(email),
    emailVerified: emailVerifiedOf(attributes),
    status: input.status,
    enabled: input.enabled,
    attributes,
    fingerprint: sortedFingerprint({
      username: input.username,
      status: input.status,
      enabled: input.enabled,
      attributes,
    }),
  };
}
