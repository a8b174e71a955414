/** Sends the OAuth requests with an injectable fetch, a timeout and no redirects. */
import type { PoolConfig } from '../config/pool.ts';
import { CognitoAuthError, type CognitoAuthErrorCode, isCognitoAuthError } from '../errors/errors.ts';
import { buildRevokeRequest, processRevokeResponse } from './revoke.ts';
import {
  type ClientAuth,
  type OAuthHttpRequest,
  type TokenSet,
  buildCodeGrantRequest,
  buildRefreshGrantRequest,
  processTokenResponse,
} from './token.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface OAuthClientOptions {
  readonly pool: PoolConfig;
  readonly fetch?: FetchLike | undefined;
  /** Per-request timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number | undefined;
}

export interface OAuthClient {
  /** `redirectUri` must be the exact value sent to `/oauth2/authorize`. */
  exchangeCode(code: string, codeVerifier: string, redirectUri: string): Promise<TokenSet>;
  refresh(refreshToken: string): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
}

/** Sends `request`; a network error or timeout becomes `code` with the cause kept. */
export async function sendOAuthRequest(
  fetchFn: FetchLike,
  request: OAuthHttpRequest,
  timeoutMs: number,
  code: CognitoAuthErrorCode,
): Promise<Response> {
  try {
    return await fetchFn(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (cause) {
    throw new CognitoAuthError(code, `Cognito could not be reached at ${new URL(request.url).pathname}`, {
      cause,
    });
  }
}

/** The three calls the login needs, bound to one pool's domain and app client. */
export function createOAuthClient(options: OAuthClientOptions): OAuthClient {
  const endpoints = options.pool.endpoints;
  if (!endpoints) throw new CognitoAuthError('CONFIG_INVALID', 'pool.domain is required for browser login');
  const fetchFn: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const client: ClientAuth = { clientId: options.pool.clientId, clientSecret: options.pool.clientSecret };
  return {
    async exchangeCode(code, codeVerifier, redirectUri) {
      const req = buildCodeGrantRequest({
        tokenEndpoint: endpoints.token,
        client,
        code,
        redirectUri,
        codeVerifier,
      });
      const res = await sendOAuthRequest(fetchFn, req, timeoutMs, 'TOKEN_EXCHANGE_FAILED');
      return processTokenResponse(res, 'authorization_code');
    },
    async refresh(refreshToken) {
      const req = buildRefreshGrantRequest({ tokenEndpoint: endpoints.token, client, refreshToken });
      const res = await sendOAuthRequest(fetchFn, req, timeoutMs, 'REFRESH_FAILED');
      return processTokenResponse(res, 'refresh_token');
    },
    async revoke(refreshToken) {
      const req = buildRevokeRequest({ revokeEndpoint: endpoints.revoke, client, refreshToken });
      const res = await sendOAuthRequest(fetchFn, req, timeoutMs, 'TOKEN_EXCHANGE_FAILED');
      await processRevokeResponse(res);
    },
  };
}

/** True when a refresh failure means the refresh token is dead (not a network blip). */
export function isPermanentRefreshFailure(error: unknown): boolean {
  if (!isCognitoAuthError(error)) return false;
  const oauth = error.details?.['error'];
  return oauth === 'invalid_grant' || oauth === 'invalid_client' || oauth === 'unauthorized_client';
}
