/**
 * POST /oauth2/token: client authentication (Basic or body), the authorization_code,
 * refresh_token and client_credentials grants, and Cognito's error bodies.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { readBody, safeEqual, sendJson } from '../http.ts';
import { issueUserTokens, mintFromRefresh, preTokenEvent } from '../issue.ts';
import type { Client, PoolState } from '../state.ts';
import { mintClientToken, newRefreshToken } from '../tokens.ts';

const STANDARD_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];

export const TOKEN_HEADERS = {
  'access-control-allow-origin': '*',
  'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
  pragma: 'no-cache',
};

// ---------------------------------------------------------------------------------------------
// client authentication (token + revoke)

type ClientAuth = { ok: true; pool: PoolState; client: Client } | { ok: false; error: string };

export function authenticateClient(ctx: Context, req: IncomingMessage, form: URLSearchParams): ClientAuth {
  const header = req.headers.authorization;
  let id: string | null = form.get('client_id');
  let secret: string | null = form.get('client_secret');
  if (header?.startsWith('Basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return { ok: false, error: 'invalid_client' };
    const basicId = decoded.slice(0, i);
    if (id !== null && id !== basicId) return { ok: false, error: 'invalid_client' };
    id = basicId;
    secret = decoded.slice(i + 1);
  }
  if (!id) return { ok: false, error: 'invalid_client' };
  const found = ctx.state.client(id);
  if (!found) return { ok: false, error: 'invalid_client' };
  const expected = found.client.clientSecret;
  if (expected === undefined) {
    if (secret) return { ok: false, error: 'invalid_client' };
  } else if (!secret || !safeEqual(expected, secret)) {
    return { ok: false, error: 'invalid_client' };
  }
  return { ok: true, ...found };
}

export function isForm(req: IncomingMessage): boolean {
  return (
    (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

// ---------------------------------------------------------------------------------------------
// POST /oauth2/token

export function tokenError(res: ServerResponse, error: string, description?: string, status = 400) {
  sendJson(res, status, description ? { error, error_description: description } : { error }, TOKEN_HEADERS);
}

export async function handleToken(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  const fault = ctx.faults.tokenEndpoint;
  if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
  if (fault.failWith) {
    const f = fault.failWith;
    if (fault.failTimes !== undefined) {
      fault.failTimes--;
      if (fault.failTimes <= 0) {
        fault.failWith = null;
        fault.failTimes = undefined;
      }
    }
    return sendJson(res, f.status, f.body ?? { error: 'server_error' }, TOKEN_HEADERS);
  }
  if (req.method !== 'POST') return tokenError(res, 'invalid_request', undefined, 405);
  if (!isForm(req)) return tokenError(res, 'invalid_request');
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  ctx.state.sweep();
  const auth = authenticateClient(ctx, req, form);
  if (!auth.ok) return tokenError(res, auth.error);
  const { pool, client } = auth;
  const grant = form.get('grant_type');
  switch (grant) {
    case 'authorization_code':
      return codeGrant(ctx, res, form, pool, client);
    case 'refresh_token':
      return refreshGrant(ctx, res, form, pool, client);
    case 'client_credentials':
      return clientCredentialsGrant(ctx, res, form, pool, client);
    case null:
      return tokenError(res, 'invalid_request');
    default:
      return tokenError(res, 'unsupported_grant_type');
  }
}

function verifyPkce(challenge: string, verifier: string): boolean {
  if (!/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) return false;
  return safeEqual(createHash('sha256').update(verifier).digest('base64url'), challenge);
}

function codeGrant(
  ctx: Context,
  res: ServerResponse,
  form: URLSearchParams,
  pool: PoolState,
  client: Client,
) {
  if (!client.allowedOAuthFlows.includes('code')) return tokenError(res, 'unauthorized_client');
  const code = form.get('code');
  const redirectUri = form.get('redirect_uri');
  if (!code || !redirectUri) return tokenError(res, 'invalid_request');
  const key = digest(code);
  const rec = ctx.state.codes.get(key);
  if (!rec || rec.clientId !== client.clientId) return tokenError(res, 'invalid_grant');
  // Single use: any redemption attempt by the right client consumes the code.
  ctx.state.codes.delete(key);
  if (rec.expiresAt <= ctx.now()) return tokenError(res, 'invalid_grant');
  if (!client.callbackUrls.includes(redirectUri))
    return tokenError(res, 'unauthorized_client', 'invalid_redirect');
  // Registered, but not the one the code was issued for: Cognito answers unauthorized_client too.
  if (redirectUri !== rec.redirectUri) return tokenError(res, 'unauthorized_client', 'invalid_redirect');
  if (rec.codeChallenge !== undefined && rec.codeChallengeMethod !== undefined) {
    const verifier = form.get('code_verifier');
    if (!verifier || !verifyPkce(rec.codeChallenge, verifier)) {
      return tokenError(res, 'invalid_grant');
    }
  }
  const user = pool.bySub.get(rec.sub);
  if (!user?.enabled) return tokenError(res, 'invalid_grant');

  preTokenEvent(ctx, pool, user, client.clientId, 'TokenGeneration_HostedAuth');
  const minted = issueUserTokens(ctx.state, {
    pool,
    client,
    user,
    scopes: rec.scopes,
    authTime: rec.authTime,
    nonce: rec.nonce,
    issuer: ctx.issuer(pool),
    nowMs: ctx.now(),
  });
  const body: Record<string, unknown> = {};
  if (minted.idToken) body['id_token'] = minted.idToken;
  Object.assign(body, {
    access_token: minted.accessToken,
    refresh_token: minted.refreshToken,
    expires_in: minted.expiresIn,
    token_type: 'Bearer',
  });
  sendJson(res, 200, body, TOKEN_HEADERS);
}

function refreshGrant(
  ctx: Context,
  res: ServerResponse,
  form: URLSearchParams,
  pool: PoolState,
  client: Client,
) {
  if (!client.allowedOAuthFlows.includes('code')) return tokenError(res, 'unauthorized_client');
  const token = form.get('refresh_token');
  if (!token) return tokenError(res, 'invalid_request');
  const key = digest(token);
  const rec = ctx.state.refreshTokens.get(key);
  const nowMs = ctx.now();
  if (!rec || rec.revoked || rec.expiresAt <= nowMs || rec.clientId !== client.clientId) {
    return tokenError(res, 'invalid_grant', 'Invalid Refresh Token');
  }
  const user = pool.bySub.get(rec.sub);
  if (!user?.enabled) return tokenError(res, 'invalid_grant', 'Invalid Refresh Token');

  const minted = mintFromRefresh(ctx, pool, client, user, rec, nowMs);
  const body: Record<string, unknown> = {};
  if (minted.idToken) body['id_token'] = minted.idToken;
  body['access_token'] = minted.accessToken;
  if (client.refreshTokenRotation) {
    // Rotation: the old token stops working (no grace period) and a new one continues the session.
    const next = newRefreshToken();
    ctx.state.refreshTokens.delete(key);
    ctx.state.refreshBySub.get(rec.sub)?.delete(key);
    ctx.state.addRefresh(digest(next), { ...rec });
    body['refresh_token'] = next;
  }
  Object.assign(body, { expires_in: minted.expiresIn, token_type: 'Bearer' });
  sendJson(res, 200, body, TOKEN_HEADERS);
}

function clientCredentialsGrant(
  ctx: Context,
  res: ServerResponse,
  form: URLSearchParams,
  pool: PoolState,
  client: Client,
) {
  if (!client.clientSecret || !client.allowedOAuthFlows.includes('client_credentials')) {
    return tokenError(res, 'unauthorized_client');
  }
  const custom = client.allowedOAuthScopes.filter((s) => !STANDARD_SCOPES.includes(s));
  const raw = form.get('scope');
  const scopes = raw ? [...new Set(raw.split(' ').filter(Boolean))] : custom;
  for (const s of scopes) if (!custom.includes(s)) return tokenError(res, 'invalid_scope');
  if (scopes.length === 0) return tokenError(res, 'invalid_scope');
  const accessToken = mintClientToken(pool, client, scopes, ctx.issuer(pool), ctx.now());
  sendJson(
    res,
    200,
    { access_token: accessToken, expires_in: client.accessTokenValiditySeconds, token_type: 'Bearer' },
    TOKEN_HEADERS,
  );
}
