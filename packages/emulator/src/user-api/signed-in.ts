/**
 * The end of every password sign-in of the user API (USER_PASSWORD_AUTH, or SRP's
 * PASSWORD_VERIFIER): the account checks Cognito makes once the password is proven, the
 * NEW_PASSWORD_REQUIRED step of admin-created users, and the tokens with their triggers.
 */
import { ApiError } from '../api-error.ts';
import type { Context } from '../context.ts';
import { API_SCOPE, issueUserTokens, preTokenEvent } from '../issue.ts';
import type { Client, PoolState, User } from '../state.ts';
import { notAuthorized } from './common.ts';

/** AuthenticationResultType, as InitiateAuth and RespondToAuthChallenge answer it. */
export function authenticationResult(
  ctx: Context,
  pool: PoolState,
  client: Client,
  user: User,
  source: 'Authentication' | 'NewPasswordChallenge',
  clientMetadata: Record<string, string> | undefined,
): Record<string, unknown> {
  const request: Record<string, unknown> = { newDeviceUsed: false };
  if (clientMetadata) request['clientMetadata'] = clientMetadata;
  ctx.state.fire('PostAuthentication_Authentication', pool, user, request, client.clientId);
  preTokenEvent(ctx, pool, user, client.clientId, `TokenGeneration_${source}`);
  const nowMs = ctx.now();
  const issued = issueUserTokens(ctx.state, {
    pool,
    client,
    user,
    scopes: [API_SCOPE],
    authTime: Math.floor(nowMs / 1000),
    nonce: undefined,
    issuer: ctx.issuer(pool),
    nowMs,
    api: true,
  });
  ctx.log(`user API sign-in: ${user.username} (${client.clientName})`);
  return {
    ChallengeParameters: {},
    AuthenticationResult: {
      AccessToken: issued.accessToken,
      ExpiresIn: issued.expiresIn,
      TokenType: 'Bearer',
      RefreshToken: issued.refreshToken,
      IdToken: issued.idToken,
    },
  };
}

/** After a proven password: Cognito's refusals by account state, the new-password step, or tokens. */
export function passwordProven(
  ctx: Context,
  pool: PoolState,
  client: Client,
  user: User,
  clientMetadata: Record<string, string> | undefined,
): Record<string, unknown> {
  if (!user.enabled) throw notAuthorized('User is disabled.');
  if (user.status === 'UNCONFIRMED')
    throw new ApiError('UserNotConfirmedException', 'User is not confirmed.');
  if (user.status === 'RESET_REQUIRED') {
    throw new ApiError('PasswordResetRequiredException', 'Password reset required for the user');
  }
  if (user.status === 'FORCE_CHANGE_PASSWORD') {
    const session = ctx.authSessions.open({
      kind: 'new_password',
      poolId: pool.userPoolId,
      clientId: client.clientId,
      sub: user.sub,
    });
    const { sub: _sub, ...attributes } = user.attributes;
    return {
      ChallengeName: 'NEW_PASSWORD_REQUIRED',
      Session: session,
      ChallengeParameters: {
        USER_ID_FOR_SRP: user.username,
        requiredAttributes: '[]',
        userAttributes: JSON.stringify(attributes),
      },
    };
  }
  return authenticationResult(ctx, pool, client, user, 'Authentication', clientMetadata);
}
