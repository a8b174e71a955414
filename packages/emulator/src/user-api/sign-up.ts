/**
 * SignUp, ConfirmSignUp and ResendConfirmationCode: a self-registered user starts UNCONFIRMED,
 * gets a code on the pool's auto-verified attribute (codes.ts: the log and
 * `GET /_emulator/codes`), and becomes CONFIRMED with that attribute verified. Triggers:
 * `PreSignUp_SignUp` (its answer is not awaited: no auto-confirm) and
 * `PostConfirmation_ConfirmSignUp`.
 */
import { ApiError } from '../api-error.ts';
import { checkAttributeName } from '../attributes.ts';
import { attributeList, stringMap, str } from '../aws-json.ts';
import { checkPasswordPolicy } from '../passwords.ts';
import { checkSecretHash, clientOf, findUser, notAuthorized, type UserOperation } from './common.ts';
import { deliveryAttribute, sendCode } from './delivery.ts';

const NOT_FOUND = 'Username/client id combination not found.';

export const signUp: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const password = str(p, 'Password', true);
  checkSecretHash(client, str(p, 'SecretHash'), [username]);
  if (pool.adminCreateUserOnly) throw notAuthorized('SignUp is not permitted for this user pool');
  const attributes = attributeList(p, 'UserAttributes');
  for (const name of Object.keys(attributes)) checkAttributeName(name, true);
  checkPasswordPolicy(password, pool.passwordPolicy);
  if (ctx.state.findUser(pool, username))
    throw new ApiError('UsernameExistsException', 'User already exists');

  ctx.state.fireBefore(
    'PreSignUp_SignUp',
    pool,
    username,
    {
      userAttributes: attributes,
      validationData: p['ValidationData'] ? attributeList(p, 'ValidationData') : null,
      clientMetadata: stringMap(p, 'ClientMetadata'),
    },
    client.clientId,
  );
  const user = ctx.state.insertUser(pool, username, attributes);
  ctx.state.storePassword(pool, user, password);
  user.status = 'UNCONFIRMED';
  ctx.log(`sign-up: ${user.username} (${client.clientName})`);
  const out: Record<string, unknown> = { UserConfirmed: false, UserSub: user.sub };
  const attribute = deliveryAttribute(pool, user);
  if (attribute) out['CodeDeliveryDetails'] = sendCode(ctx, pool, user, 'signup', attribute);
  return out;
};

export const confirmSignUp: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const code = str(p, 'ConfirmationCode', true);
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, str(p, 'SecretHash'), [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user) {
    if (client.preventUserExistenceErrors)
      throw new ApiError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    throw new ApiError('UserNotFoundException', NOT_FOUND);
  }
  if (user.status !== 'UNCONFIRMED') {
    throw notAuthorized(`User cannot be confirmed. Current status is ${user.status}`);
  }
  const used = ctx.codes.consume(pool.userPoolId, user.sub, 'signup', code);
  user.status = 'CONFIRMED';
  user.attributes[`${used.attributeName}_verified`] = 'true';
  user.updatedAt = ctx.now();
  ctx.state.version++;
  ctx.state.fire(
    'PostConfirmation_ConfirmSignUp',
    pool,
    user,
    { clientMetadata: stringMap(p, 'ClientMetadata') },
    client.clientId,
  );
  ctx.log(`confirmed: ${user.username}`);
  return {};
};

export const resendConfirmationCode: UserOperation = (ctx, p) => {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, str(p, 'SecretHash'), [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user) {
    if (client.preventUserExistenceErrors) {
      // Cognito answers as if a code went out, so the caller learns nothing.
      return {
        CodeDeliveryDetails: { Destination: 'u***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
      };
    }
    throw new ApiError('UserNotFoundException', NOT_FOUND);
  }
  if (user.status !== 'UNCONFIRMED')
    throw new ApiError('InvalidParameterException', 'User is already confirmed.');
  const attribute = deliveryAttribute(pool, user);
  if (!attribute) throw new ApiError('InvalidParameterException', 'Auto verification not turned on.');
  return { CodeDeliveryDetails: sendCode(ctx, pool, user, 'signup', attribute) };
};
