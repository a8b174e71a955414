/**
 * SignUp, ConfirmSignUp and ResendConfirmationCode: a self-registered user starts UNCONFIRMED,
 * gets a code on the pool's auto-verified attribute (codes.ts: the log and
 * `GET /_emulator/codes`), and becomes CONFIRMED with that attribute verified. Triggers:
 * `PreSignUp_SignUp` (its answer is not awaited: no auto-confirm) and
 * `PostConfirmation_ConfirmSignUp`.
 */
import { ApiError } from '../api-error.ts';
import { checkAttributeName } from '../attributes.ts';
import { attributeList, str, stringMap } from '../aws-json.ts';
import type { CodeDeliveryDetails } from '../codes.ts';
import type { Context } from '../context.ts';
import type { Client, PoolState, User } from '../state.ts';
import { checkPasswordPolicy } from '../passwords.ts';
import {
  checkSecretHash,
  clientOf,
  notAuthorized,
  sendCodeToUser,
  type UserOperation,
  userForCode,
} from './common.ts';
import { deliveryAttribute, sendCode } from './delivery.ts';

export interface Registration {
  username: string;
  password: string;
  attributes: Record<string, string>;
  validationData?: Record<string, string> | null;
  clientMetadata?: Record<string, string>;
}

/** Creates the UNCONFIRMED user and sends its code (the API and the hosted sign-up page). */
export function register(
  ctx: Context,
  pool: PoolState,
  client: Client,
  r: Registration,
): { user: User; delivery: CodeDeliveryDetails | undefined } {
  if (pool.adminCreateUserOnly) throw notAuthorized('SignUp is not permitted for this user pool');
  for (const name of Object.keys(r.attributes)) checkAttributeName(name, true);
  checkPasswordPolicy(r.password, pool.passwordPolicy);
  if (ctx.state.findUser(pool, r.username))
    throw new ApiError('UsernameExistsException', 'User already exists');
  ctx.state.fireBefore(
    'PreSignUp_SignUp',
    pool,
    r.username,
    {
      userAttributes: r.attributes,
      validationData: r.validationData ?? null,
      clientMetadata: r.clientMetadata ?? {},
    },
    client.clientId,
  );
  const user = ctx.state.insertUser(pool, r.username, r.attributes);
  ctx.state.storePassword(pool, user, r.password);
  user.status = 'UNCONFIRMED';
  ctx.log(`sign-up: ${user.username} (${client.clientName})`);
  const attribute = deliveryAttribute(pool, user);
  return { user, delivery: attribute && sendCode(ctx, pool, user, 'signup', attribute) };
}

/** The code makes the user CONFIRMED and its attribute verified; post confirmation fires. */
export function confirmRegistration(
  ctx: Context,
  pool: PoolState,
  client: Client,
  user: User,
  code: string,
  clientMetadata: Record<string, string>,
): void {
  if (user.status !== 'UNCONFIRMED') {
    throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
  }
  const used = ctx.codes.consume(pool.userPoolId, user.sub, 'signup', code);
  user.status = 'CONFIRMED';
  user.attributes[`${used.attributeName}_verified`] = 'true';
  user.updatedAt = ctx.now();
  ctx.state.version++;
  ctx.state.fire('PostConfirmation_ConfirmSignUp', pool, user, { clientMetadata }, client.clientId);
  ctx.log(`confirmed: ${user.username}`);
}

/** A new sign-up code (the previous one dies). */
export function resendRegistrationCode(ctx: Context, pool: PoolState, user: User): CodeDeliveryDetails {
  if (user.status !== 'UNCONFIRMED')
    throw new ApiError('InvalidParameterException', 'User is already confirmed.');
  const attribute = deliveryAttribute(pool, user);
  if (!attribute) throw new ApiError('InvalidParameterException', 'Auto verification not turned on.');
  return sendCode(ctx, pool, user, 'signup', attribute);
}

export const signUp: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const password = str(p, 'Password', true);
  checkSecretHash(client, str(p, 'SecretHash'), [username]);
  const { user, delivery } = register(ctx, pool, client, {
    username,
    password,
    attributes: attributeList(p, 'UserAttributes'),
    validationData: p['ValidationData'] ? attributeList(p, 'ValidationData') : null,
    clientMetadata: stringMap(p, 'ClientMetadata'),
  });
  const out: Record<string, unknown> = { UserConfirmed: false, UserSub: user.sub };
  if (delivery) out['CodeDeliveryDetails'] = delivery;
  return out;
};

export const confirmSignUp: UserOperation = (ctx, p) => {
  const { pool, client, user, code } = userForCode(ctx, p);
  confirmRegistration(ctx, pool, client, user, code, stringMap(p, 'ClientMetadata'));
  return {};
};

export const resendConfirmationCode: UserOperation = (ctx, p) =>
  sendCodeToUser(ctx, p, resendRegistrationCode);
