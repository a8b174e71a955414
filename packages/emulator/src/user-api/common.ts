/**
 * What the user API's operations share: the app client named by `ClientId` with its
 * `SECRET_HASH` check, the user an access token names, sign-in lookups and the exceptions Cognito
 * answers for them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { checkAccessToken } from '../access-token.ts';
import { ApiError } from '../api-error.ts';
import { type Params, str } from '../aws-json.ts';
import type { Context } from '../context.ts';
import { API_SCOPE } from '../issue.ts';
import type { CodeDeliveryDetails } from '../codes.ts';
import type { Client, PoolState, User } from '../state.ts';

export type UserOperation = (ctx: Context, p: Params) => unknown;

export const INCORRECT = 'Incorrect username or password.';

export function notAuthorized(message = INCORRECT): ApiError {
  return new ApiError('NotAuthorizedException', message);
}

/** The app client of `ClientId`; ResourceNotFoundException when there is none. */
export function clientOf(ctx: Context, p: Params): { pool: PoolState; client: Client } {
  const clientId = str(p, 'ClientId', true);
  const found = ctx.state.client(clientId);
  if (!found) {
    throw new ApiError(
      'ResourceNotFoundException',
      `User pool client ${clientId.slice(0, 128)} does not exist.`,
    );
  }
  return found;
}

/** Base64 HMAC-SHA256(clientSecret, username + clientId): Cognito's SECRET_HASH. */
export function secretHash(client: Client, username: string): string {
  return createHmac('sha256', client.clientSecret ?? '')
    .update(`${username}${client.clientId}`)
    .digest('base64');
}

/**
 * A client with a secret needs SECRET_HASH computed over one of `usernames` (what the caller typed,
 * the username, or the sub: Cognito accepts the hash of the name the request uses).
 */
export function checkSecretHash(client: Client, given: string | undefined, usernames: string[]): void {
  if (client.clientSecret === undefined) return;
  if (!given) {
    throw notAuthorized(`Client ${client.clientId} is configured for secret but secret was not received`);
  }
  const got = Buffer.from(given);
  for (const name of usernames) {
    const want = Buffer.from(secretHash(client, name));
    if (want.length === got.length && timingSafeEqual(want, got)) return;
  }
  throw notAuthorized(`Unable to verify secret hash for client ${client.clientId}`);
}

/**
 * The user a sign-in or reset names (username, or a unique e-mail alias); undefined when unknown.
 * The caller decides between UserNotFoundException and Cognito's existence-hiding answer.
 */
export function findUser(ctx: Context, pool: PoolState, username: string): User | undefined {
  return username ? ctx.state.findForSignIn(pool, username) : undefined;
}

/** UserNotFoundException, or NotAuthorizedException when the client hides existence (the default). */
export function unknownUser(client: Client): ApiError {
  return client.preventUserExistenceErrors
    ? notAuthorized()
    : new ApiError('UserNotFoundException', 'User does not exist.');
}

/** The user whose access token `AccessToken` is, with Cognito's refusals. */
export function userOfAccessToken(
  ctx: Context,
  p: Params,
): { pool: PoolState; user: User; clientId: string } {
  const token = str(p, 'AccessToken', true);
  const checked = checkAccessToken(ctx, token);
  if (typeof checked === 'string') {
    if (checked === 'Access token has expired') throw notAuthorized('Access Token has expired');
    if (checked === 'Access token has been revoked') throw notAuthorized('Access Token has been revoked');
    throw notAuthorized('Invalid Access Token');
  }
  const { pool, claims } = checked;
  const scopes = String(claims['scope'] ?? '').split(' ');
  if (!scopes.includes(API_SCOPE)) throw notAuthorized('Access Token does not have required scopes');
  const user = pool.bySub.get(String(claims['sub']));
  if (!user) throw new ApiError('UserNotFoundException', 'User does not exist.');
  if (!user.enabled) throw notAuthorized('User is disabled.');
  return { pool, user, clientId: String(claims['client_id']) };
}

/** Cognito's answer when a client has not enabled the flow. */
export function requireFlow(client: Client, flow: string, authFlow: string): void {
  if (!client.explicitAuthFlows.includes(flow)) {
    throw new ApiError('InvalidParameterException', `${authFlow} flow not enabled for this client`);
  }
}

/**
 * ForgotPassword and ResendConfirmationCode: sends `deliver`'s code to the named user. For an
 * unknown user, a client that prevents user-existence errors answers as if a code went out, so
 * the caller learns nothing; otherwise UserNotFoundException.
 */
export function sendCodeToUser(
  ctx: Context,
  p: Params,
  deliver: (ctx: Context, pool: PoolState, user: User) => CodeDeliveryDetails,
): { CodeDeliveryDetails: unknown } {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, str(p, 'SecretHash'), [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user) {
    if (client.preventUserExistenceErrors) {
      return {
        CodeDeliveryDetails: { Destination: 'u***@e***', DeliveryMedium: 'EMAIL', AttributeName: 'email' },
      };
    }
    throw new ApiError('UserNotFoundException', 'Username/client id combination not found.');
  }
  return { CodeDeliveryDetails: deliver(ctx, pool, user) };
}

/**
 * ConfirmForgotPassword and ConfirmSignUp: the named user a confirmation code is for. For an
 * unknown user, a client that prevents user-existence errors answers as a wrong code would.
 */
export function userForCode(
  ctx: Context,
  p: Params,
): { pool: PoolState; client: Client; user: User; code: string } {
  const { pool, client } = clientOf(ctx, p);
  const username = str(p, 'Username', true);
  const code = str(p, 'ConfirmationCode', true);
  const user = findUser(ctx, pool, username);
  checkSecretHash(client, str(p, 'SecretHash'), [username, ...(user ? [user.username, user.sub] : [])]);
  if (!user) {
    if (client.preventUserExistenceErrors)
      throw new ApiError('CodeMismatchException', 'Invalid verification code provided, please try again.');
    throw new ApiError('UserNotFoundException', 'Username/client id combination not found.');
  }
  return { pool, client, user, code };
}
