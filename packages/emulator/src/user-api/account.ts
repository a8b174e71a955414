/**
 * A signed-in user's own account, by access token (scope `aws.cognito.signin.user.admin`):
 * GetUser, UpdateUserAttributes (a changed auto-verified e-mail or phone becomes unverified and
 * gets a code), DeleteUserAttributes, GetUserAttributeVerificationCode, VerifyUserAttribute and
 * DeleteUser. Events: `Emulator_UpdateUserAttributes`, `Emulator_DeleteUserAttributes` and
 * `Emulator_DeleteUser` (no Cognito trigger fires there).
 */
import { ApiError } from '../api-error.ts';
import { checkAttributeName } from '../attributes.ts';
import { attributeList, str } from '../aws-json.ts';
import type { CodeDeliveryDetails } from '../codes.ts';
import { notAuthorized, type UserOperation, userOfAccessToken } from './common.ts';
import { sendCode } from './delivery.ts';

const VERIFIABLE = ['email', 'phone_number'] as const;
type Verifiable = (typeof VERIFIABLE)[number];

function verifiable(name: string): Verifiable {
  if (!(VERIFIABLE as readonly string[]).includes(name)) {
    throw new ApiError('InvalidParameterException', `Invalid attribute name: ${name.slice(0, 40)}`);
  }
  return name as Verifiable;
}

export const getUser: UserOperation = (ctx, p) => {
  const { user } = userOfAccessToken(ctx, p);
  return {
    Username: user.username,
    UserAttributes: Object.entries(user.attributes).map(([Name, Value]) => ({ Name, Value })),
  };
};

export const updateUserAttributes: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  const attributes = attributeList(p, 'UserAttributes');
  for (const name of Object.keys(attributes)) {
    checkAttributeName(name, false);
    if (name.endsWith('_verified')) throw notAuthorized('A client attempted to write unauthorized attribute');
  }
  const toVerify: Verifiable[] = [];
  for (const name of VERIFIABLE) {
    const value = attributes[name];
    if (value === undefined || value === user.attributes[name]) continue;
    if (pool.autoVerifiedAttributes.includes(name)) {
      attributes[`${name}_verified`] = 'false';
      toVerify.push(name);
    }
  }
  ctx.state.updateAttributes(pool, user, attributes, 'Emulator_UpdateUserAttributes');
  const list: CodeDeliveryDetails[] = toVerify.map((name) =>
    sendCode(ctx, pool, user, `verify_${name}`, name),
  );
  return list.length > 0 ? { CodeDeliveryDetailsList: list } : {};
};

export const deleteUserAttributes: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  const names = p['UserAttributeNames'];
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw new ApiError('InvalidParameterException', 'UserAttributeNames must be a list of strings');
  }
  ctx.state.deleteUserAttributes(pool, user, names as string[], 'Emulator_DeleteUserAttributes');
  return {};
};

export const getUserAttributeVerificationCode: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  const name = verifiable(str(p, 'AttributeName', true));
  if (!user.attributes[name]) {
    throw new ApiError('InvalidParameterException', `User does not have the attribute ${name}`);
  }
  return { CodeDeliveryDetails: sendCode(ctx, pool, user, `verify_${name}`, name) };
};

export const verifyUserAttribute: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  const name = verifiable(str(p, 'AttributeName', true));
  ctx.codes.consume(pool.userPoolId, user.sub, `verify_${name}`, str(p, 'Code', true));
  ctx.state.updateAttributes(pool, user, { [`${name}_verified`]: 'true' }, 'Emulator_UpdateUserAttributes');
  return {};
};

export const deleteUser: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  ctx.codes.forget(pool.userPoolId, user.sub);
  ctx.state.deleteUser(pool, user, 'Emulator_DeleteUser');
  ctx.log(`user deleted itself: ${user.username}`);
  return {};
};
