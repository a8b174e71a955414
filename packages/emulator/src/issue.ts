/**
 * Issuing a user's tokens: one path for the code grant, the user API and `emu.issueTokens`, so
 * every issued set has the same shape and a refresh-token record (origin_jti, auth_time, scopes)
 * that refresh, revocation and global sign-out act on.
 */
import { randomUUID } from 'node:crypto';
import type { Context } from './context.ts';
import { digest } from './digest.ts';
import type { Client, EmulatorState, PoolState, RefreshRecord, User } from './state.ts';
import { mintUserTokens, newRefreshToken, roleClaims } from './tokens.ts';

/** The scope of every token the user API issues (never `openid` or custom scopes). */
export const API_SCOPE = 'aws.cognito.signin.user.admin';

export interface IssueInput {
  pool: PoolState;
  client: Client;
  user: User;
  scopes: string[];
  authTime: number;
  nonce: string | undefined;
  issuer: string;
  nowMs: number;
  api?: boolean;
}

export interface Issued {
  idToken: string | undefined;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** Mints ID + access tokens and a new refresh token (a new origin_jti: a new session). */
export function issueUserTokens(state: EmulatorState, input: IssueInput): Issued {
  const originJti = randomUUID();
  const minted = mintUserTokens(state, { ...input, originJti });
  const refreshToken = newRefreshToken();
  state.addRefresh(digest(refreshToken), {
    poolId: input.pool.userPoolId,
    clientId: input.client.clientId,
    username: input.user.username,
    sub: input.user.sub,
    scopes: input.scopes,
    authTime: input.authTime,
    originJti,
    expiresAt: input.nowMs + input.client.refreshTokenValiditySeconds * 1000,
    revoked: false,
    ...(input.api ? { api: true } : {}),
  });
  return { ...minted, refreshToken };
}

/** Pre token generation (v1 shape) event: `TokenGeneration_<source>`; the answer is not awaited. */
export function preTokenEvent(ctx: Context, pool: PoolState, user: User, clientId: string, source: string) {
  const groups = ctx.state.groupsOf(pool, user);
  const roles = roleClaims(pool, groups);
  ctx.state.fire(
    source,
    pool,
    user,
    {
      groupConfiguration: {
        groupsToOverride: groups,
        iamRolesToOverride: (roles['cognito:roles'] as string[] | undefined) ?? [],
        preferredRole: (roles['cognito:preferred_role'] as string | undefined) ?? null,
      },
    },
    clientId,
  );
}

/**
 * New ID and access tokens from a refresh token's record (the token endpoint's refresh grant and
 * InitiateAuth REFRESH_TOKEN_AUTH): the pre-token trigger fires, the session's scopes, auth time
 * and origin carry over.
 */
export function mintFromRefresh(
  ctx: Context,
  pool: PoolState,
  client: Client,
  user: User,
  rec: RefreshRecord,
  nowMs: number,
): ReturnType<typeof mintUserTokens> {
  preTokenEvent(ctx, pool, user, client.clientId, 'TokenGeneration_RefreshTokens');
  return mintUserTokens(ctx.state, {
    pool,
    client,
    user,
    scopes: rec.scopes,
    authTime: rec.authTime,
    originJti: rec.originJti,
    nonce: undefined,
    issuer: ctx.issuer(pool),
    nowMs,
    api: rec.api === true,
  });
}
