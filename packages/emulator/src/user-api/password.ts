/**
 * ChangePassword (signed in, proves the old one), ForgotPassword (a reset code to the verified
 * e-mail or phone) and ConfirmForgotPassword (code + new password; the user ends CONFIRMED and
 * `PostConfirmation_ConfirmForgotPassword` fires, as in Cognito).
 */
import { ApiError } from '../api-error.ts';
import { str, stringMap } from '../aws-json.ts';
import type { Context } from '../context.ts';
import { checkPassword, checkPasswordPolicy } from '../passwords.ts';
import type { CodeDeliveryDetails } from '../codes.ts';
import type { Client, PoolState, User } from '../state.ts';
import {
  INCORRECT,
  notAuthorized,
  sendCodeToUser,
  type UserOperation,
  userForCode,
  userOfAccessToken,
} from './common.ts';
import { sendCode } from './delivery.ts';

function setPassword(ctx: Context, pool: PoolState, user: User, password: string): void {
  ctx.state.storePassword(pool, user, password);
  user.updatedAt = ctx.now();
  ctx.state.version++;
}

export const changePassword: UserOperation = (ctx, p) => {
  const { pool, user } = userOfAccessToken(ctx, p);
  const previous = str(p, 'PreviousPassword', true);
  const proposed = str(p, 'ProposedPassword', true);
  if (!checkPassword(user.passwordHash, previous)) throw notAuthorized(INCORRECT);
  checkPasswordPolicy(proposed, pool.passwordPolicy);
  setPassword(ctx, pool, user, proposed);
  return {};
};

/** The verified attribute a reset code goes to (phone first, as Cognito). */
function resetDestination(user: User): 'email' | 'phone_number' | undefined {
  if (user.attributes['phone_number'] && user.attributes['phone_number_verified'] === 'true')
    return 'phone_number';
  if (user.attributes['email'] && user.attributes['email_verified'] === 'true') return 'email';
  return undefined;
}

/** A reset code to the verified phone or e-mail (the API and the hosted page). */
export function startPasswordReset(ctx: Context, pool: PoolState, user: User): CodeDeliveryDetails {
  if (!user.enabled) throw notAuthorized('User is disabled.');
  const attribute = resetDestination(user);
  if (!attribute) {
    throw new ApiError(
      'InvalidParameterException',
      'Cannot reset password for the user as there is no registered/verified email or phone_number',
    );
  }
  return sendCode(ctx, pool, user, 'forgot_password', attribute);
}

/** Code + new password: the user ends CONFIRMED; `PostConfirmation_ConfirmForgotPassword` fires. */
export function finishPasswordReset(
  ctx: Context,
  pool: PoolState,
  client: Client,
  user: User,
  code: string,
  password: string,
  clientMetadata: Record<string, string>,
): void {
  // A refused password leaves the code usable for the next try.
  checkPasswordPolicy(password, pool.passwordPolicy);
  ctx.codes.consume(pool.userPoolId, user.sub, 'forgot_password', code);
  setPassword(ctx, pool, user, password);
  user.status = 'CONFIRMED';
  ctx.state.fire('PostConfirmation_ConfirmForgotPassword', pool, user, { clientMetadata }, client.clientId);
  ctx.log(`password reset: ${user.username}`);
}

export const forgotPassword: UserOperation = (ctx, p) => sendCodeToUser(ctx, p, startPasswordReset);

export const confirmForgotPassword: UserOperation = (ctx, p) => {
  const password = str(p, 'Password', true);
  const { pool, client, user, code } = userForCode(ctx, p);
  finishPasswordReset(ctx, pool, client, user, code, password, stringMap(p, 'ClientMetadata'));
  return {};
};
