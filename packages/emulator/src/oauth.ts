/**
 * The user pool domain endpoints: /oauth2/authorize, /login, /oauth2/token, /oauth2/revoke,
 * /oauth2/userInfo, /logout and /error, with Cognito's parameters, statuses and error bodies
 * (cognito-facts.md §3).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { checkAccessToken } from './access-token.ts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from './context.ts';
import {
  clearCookie,
  cookie,
  parseCookies,
  readBody,
  redirect,
  sendHtml,
  sendJson,
  withQuery,
} from './http.ts';
import { errorPage, loginPage, newPasswordPage } from './pages.ts';
import { checkPassword } from './passwords.ts';
import { ApiError, type Client, digest, type PoolState, type User } from './state.ts';
import { issueUserTokens, preTokenEvent } from './issue.ts';
import { mintClientToken, mintUserTokens, newRefreshToken, releasedAttributes } from './tokens.ts';

export type { Context };

/**
 * Cognito calls these `cognito` and `XSRF-TOKEN` on its own domain. Cookies are not isolated by
 * port, so on localhost the app (say :3000) and the emulator (:9230) share a cookie jar: distinct
 * names keep an app's own `XSRF-TOKEN` from breaking the sign-in form.
 */
export const SESSION_COOKIE = 'cognito-emulator-session';
export const XSRF_COOKIE = 'cognito-emulator-xsrf';
const SESSION_SECONDS = 3600;
const CODE_MS = 5 * 60 * 1000;
const CHALLENGE_MS = 3 * 60 * 1000;
const STANDARD_SCOPES = ['openid', 'email', 'phone', 'profile', 'aws.cognito.signin.user.admin'];

const TOKEN_HEADERS = {
  'access-control-allow-origin': '*',
  'cache-control': 'no-cache, no-store, max-age=0, must-revalidate',
  pragma: 'no-cache',
};

// ---------------------------------------------------------------------------------------------
// /error

function errorRedirect(ctx: Context, res: ServerResponse, error: string, clientId?: string | null) {
  redirect(res, withQuery(`${ctx.baseUrl()}/error`, { error, client_id: clientId ?? undefined }));
}

export function handleError(_ctx: Context, url: URL, res: ServerResponse) {
  sendHtml(res, 400, errorPage(url.searchParams.get('error') ?? 'error'));
}

// ---------------------------------------------------------------------------------------------
// authorize request validation (shared by /oauth2/authorize, /login GET and POST)

interface AuthorizeRequest {
  pool: PoolState;
  client: Client;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  nonce: string | undefined;
  codeChallenge: string | undefined;
  codeChallengeMethod: 'S256' | undefined;
  prompt: string | undefined;
  loginHint: string | undefined;
}

type Validated = { ok: true; req: AuthorizeRequest } | { ok: false; respond: (res: ServerResponse) => void };

function validateAuthorize(ctx: Context, q: URLSearchParams): Validated {
  const clientId = q.get('client_id');
  const redirectUri = q.get('redirect_uri');
  const found = clientId ? ctx.state.client(clientId) : undefined;
  if (!found) {
    return {
      ok: false,
      respond: (res) => errorRedirect(ctx, res, clientId ? 'invalid_request' : 'Required parameters missing'),
    };
  }
  const { pool, client } = found;
  if (!redirectUri || !client.callbackUrls.includes(redirectUri)) {
    return { ok: false, respond: (res) => errorRedirect(ctx, res, 'redirect_mismatch', clientId) };
  }
  const state = q.get('state') ?? undefined;
  const fail = (error: string, description?: string): Validated => ({
    ok: false,
    respond: (res) => redirect(res, withQuery(redirectUri, { error_description: description, error, state })),
  });
  const responseType = q.get('response_type');
  if (!responseType) return fail('invalid_request');
  if (responseType === 'token') return fail('unauthorized_client');
  if (responseType !== 'code') return fail('unsupported_response_type');
  if (!client.allowedOAuthFlows.includes('code')) return fail('unauthorized_client');

  const codeChallenge = q.get('code_challenge') ?? undefined;
  const method = q.get('code_challenge_method') ?? undefined;
  if ((codeChallenge === undefined) !== (method === undefined)) return fail('invalid_request');
  // Cognito accepts S256 only (no `plain`).
  if (method !== undefined && method !== 'S256') return fail('invalid_request');
  if (codeChallenge !== undefined && !/^[A-Za-z0-9._~-]{43,128}$/.test(codeChallenge))
    return fail('invalid_request');

  const rawScope = q.get('scope');
  const scopes = rawScope
    ? [...new Set(rawScope.split(' ').filter(Boolean))]
    : [...client.allowedOAuthScopes];
  for (const s of scopes) if (!client.allowedOAuthScopes.includes(s)) return fail('invalid_scope');

  const idp = q.get('identity_provider');
  if (idp !== null && idp !== 'COGNITO')
    return fail('invalid_request', 'Identity provider not enabled for this client');
  if (q.get('idp_identifier') !== null)
    return fail('invalid_request', 'No identity provider found for idp_identifier');

  return {
    ok: true,
    req: {
      pool,
      client,
      redirectUri,
      scopes,
      state,
      nonce: q.get('nonce') ?? undefined,
      codeChallenge,
      codeChallengeMethod: method as 'S256' | undefined,
      prompt: q.get('prompt') ?? undefined,
      loginHint: q.get('login_hint') ?? undefined,
    },
  };
}

function liveSession(
  ctx: Context,
  req: IncomingMessage,
  pool: PoolState,
): { user: User; authTime: number } | undefined {
  const sid = parseCookies(req).get(SESSION_COOKIE);
  if (!sid) return undefined;
  const session = ctx.state.sessions.get(digest(sid));
  if (!session || session.poolId !== pool.userPoolId || session.expiresAt <= ctx.now()) return undefined;
  const user = pool.bySub.get(session.sub);
  if (!user?.enabled) return undefined;
  return { user, authTime: session.authTime };
}

function issueCode(
  ctx: Context,
  res: ServerResponse,
  r: AuthorizeRequest,
  user: User,
  authTime: number,
  headers = {},
) {
  const code = randomUUID();
  ctx.state.codes.set(digest(code), {
    poolId: r.pool.userPoolId,
    clientId: r.client.clientId,
    redirectUri: r.redirectUri,
    scopes: r.scopes,
    username: user.username,
    sub: user.sub,
    authTime,
    nonce: r.nonce,
    codeChallenge: r.codeChallenge,
    codeChallengeMethod: r.codeChallengeMethod,
    expiresAt: ctx.now() + CODE_MS,
  });
  redirect(res, withQuery(r.redirectUri, { code, state: r.state }), headers);
}

// ---------------------------------------------------------------------------------------------
// GET /oauth2/authorize

export function handleAuthorize(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  ctx.state.sweep();
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  const r = v.req;
  if (r.prompt !== 'login') {
    const session = liveSession(ctx, req, r.pool);
    if (session) return issueCode(ctx, res, r, session.user, session.authTime);
  }
  if (r.prompt === 'none') {
    return redirect(res, withQuery(r.redirectUri, { error: 'login_required', state: r.state }));
  }
  redirect(res, `${ctx.baseUrl()}/login?${url.searchParams.toString()}`);
}

// ---------------------------------------------------------------------------------------------
// GET|POST /login

function renderLogin(
  url: URL,
  req: IncomingMessage,
  res: ServerResponse,
  r: AuthorizeRequest,
  opts: { status?: number; error?: string; username?: string } = {},
) {
  // Double-submit CSRF token, as Cognito's hosted UI does with its XSRF-TOKEN cookie and `_csrf` field.
  const existing = parseCookies(req).get(XSRF_COOKIE);
  const csrf = existing && /^[\w-]{20,}$/.test(existing) ? existing : randomBytes(24).toString('base64url');
  sendHtml(
    res,
    opts.status ?? 200,
    loginPage({
      action: `/login?${url.searchParams.toString()}`,
      csrf,
      clientName: r.client.clientName,
      poolId: r.pool.userPoolId,
      username: opts.username ?? r.loginHint,
      error: opts.error,
    }),
    { 'set-cookie': cookie(XSRF_COOKIE, csrf, SESSION_SECONDS) },
  );
}

export function handleLoginGet(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  renderLogin(url, req, res, v.req);
}

export async function handleLoginPost(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const v = validateAuthorize(ctx, url.searchParams);
  if (!v.ok) return v.respond(res);
  const r = v.req;
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  const xsrf = parseCookies(req).get(XSRF_COOKIE);
  const sent = form.get('_csrf') ?? '';
  if (!xsrf || !safeEqual(xsrf, sent)) {
    return renderLogin(url, req, res, r, {
      status: 403,
      error: 'Your session has expired. Please sign in again.',
    });
  }
  const pool = r.pool;

  // New-password step of a FORCE_CHANGE_PASSWORD user.
  const challenge = form.get('challenge');
  if (challenge !== null) {
    const entry = ctx.challenges.get(digest(challenge));
    const user = entry && entry.expiresAt > ctx.now() ? pool.bySub.get(entry.sub) : undefined;
    if (!entry || !user || entry.poolId !== pool.userPoolId) {
      return renderLogin(url, req, res, r, { error: 'Your session has expired. Please sign in again.' });
    }
    const pw = form.get('new_password') ?? '';
    const again = form.get('confirm_password') ?? '';
    let error: string | undefined;
    if (pw !== again) error = 'Passwords do not match.';
    else {
      try {
        ctx.state.completeNewPassword(pool, user, pw, r.client.clientId);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        error = err.message;
      }
    }
    if (error) {
      return sendHtml(
        res,
        200,
        newPasswordPage({
          action: `/login?${url.searchParams}`,
          csrf: sent,
          challenge,
          username: user.username,
          error,
        }),
      );
    }
    ctx.challenges.delete(digest(challenge));
    return completeSignIn(ctx, res, r, user);
  }

  const username = (form.get('username') ?? '').trim();
  const password = form.get('password') ?? '';
  const user = username ? ctx.state.findForSignIn(pool, username) : undefined;
  if (!user || !checkPassword(user.passwordHash, password)) {
    return renderLogin(url, req, res, r, { error: 'Incorrect username or password.', username });
  }
  if (!user.enabled) return renderLogin(url, req, res, r, { error: 'User is disabled.', username });
  if (user.status === 'UNCONFIRMED') {
    return renderLogin(url, req, res, r, { error: 'User is not confirmed.', username });
  }
  if (user.status === 'RESET_REQUIRED') {
    return renderLogin(url, req, res, r, { error: 'Password reset required for the user', username });
  }
  if (user.status === 'FORCE_CHANGE_PASSWORD') {
    const id = randomBytes(24).toString('base64url');
    ctx.challenges.set(digest(id), {
      poolId: pool.userPoolId,
      sub: user.sub,
      expiresAt: ctx.now() + CHALLENGE_MS,
    });
    return sendHtml(
      res,
      200,
      newPasswordPage({
        action: `/login?${url.searchParams}`,
        csrf: sent,
        challenge: id,
        username: user.username,
      }),
    );
  }
  completeSignIn(ctx, res, r, user);
}

function completeSignIn(ctx: Context, res: ServerResponse, r: AuthorizeRequest, user: User) {
  const authTime = Math.floor(ctx.now() / 1000);
  const sid = randomBytes(32).toString('base64url');
  ctx.state.sessions.set(digest(sid), {
    poolId: r.pool.userPoolId,
    sub: user.sub,
    authTime,
    expiresAt: ctx.now() + SESSION_SECONDS * 1000,
  });
  ctx.state.fire(
    'PostAuthentication_Authentication',
    r.pool,
    user,
    { newDeviceUsed: false },
    r.client.clientId,
  );
  ctx.log(`hosted login: ${user.username} (${r.client.clientName})`);
  issueCode(ctx, res, r, user, authTime, { 'set-cookie': cookie(SESSION_COOKIE, sid, SESSION_SECONDS) });
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// ---------------------------------------------------------------------------------------------
// client authentication (token + revoke)

type ClientAuth = { ok: true; pool: PoolState; client: Client } | { ok: false; error: string };

function authenticateClient(ctx: Context, req: IncomingMessage, form: URLSearchParams): ClientAuth {
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

function isForm(req: IncomingMessage): boolean {
  return (
    (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ===
    'application/x-www-form-urlencoded'
  );
}

// ---------------------------------------------------------------------------------------------
// POST /oauth2/token

function tokenError(res: ServerResponse, error: string, description?: string, status = 400) {
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
  if (redirectUri !== rec.redirectUri) return tokenError(res, 'invalid_grant');
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

  preTokenEvent(ctx, pool, user, client.clientId, 'TokenGeneration_RefreshTokens');
  const minted = mintUserTokens(ctx.state, {
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

// ---------------------------------------------------------------------------------------------
// POST /oauth2/revoke

export async function handleRevoke(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  if (req.method !== 'POST') return tokenError(res, 'invalid_request', undefined, 405);
  if (!isForm(req)) return tokenError(res, 'invalid_request');
  const form = new URLSearchParams(await readBody(req, 64 * 1024));
  const token = form.get('token');
  if (!token) return tokenError(res, 'invalid_request');
  const auth = authenticateClient(ctx, req, form);
  if (!auth.ok) return tokenError(res, 'invalid_client', undefined, 401);
  if (!auth.client.enableTokenRevocation) return tokenError(res, 'invalid_request');
  if (token.split('.').length === 3) return tokenError(res, 'unsupported_token_type');
  const rec = ctx.state.refreshTokens.get(digest(token));
  if (rec && rec.clientId === auth.client.clientId && !rec.revoked) {
    rec.revoked = true;
    ctx.state.revokedOrigins.add(rec.originJti);
    ctx.state.version++;
  }
  res.writeHead(200, { 'access-control-allow-origin': '*', 'content-length': 0 });
  res.end();
}

// ---------------------------------------------------------------------------------------------
// GET|POST /oauth2/userInfo

function bearerError(res: ServerResponse, status: number, error: string, description: string) {
  sendJson(
    res,
    status,
    { error, error_description: description },
    {
      // As Cognito writes it: no `Bearer` scheme before the parameters.
      'www-authenticate': `error="${error}", error_description="${description}"`,
      'access-control-allow-origin': '*',
    },
  );
}

export function handleUserInfo(ctx: Context, req: IncomingMessage, res: ServerResponse) {
  if (req.method === 'OPTIONS') {
    res.writeHead(204, {
      'access-control-allow-origin': '*',
      'access-control-allow-headers': 'authorization',
      'access-control-allow-methods': 'GET, POST',
    });
    return void res.end();
  }
  const header = req.headers.authorization ?? '';
  if (!/^Bearer\s+\S+$/i.test(header))
    return bearerError(res, 400, 'invalid_request', 'Missing access token');
  const checked = checkAccessToken(ctx, header.replace(/^Bearer\s+/i, ''));
  if (typeof checked === 'string') return bearerError(res, 401, 'invalid_token', checked);
  const { pool, claims } = checked;
  const scopes = String(claims['scope'] ?? '').split(' ');
  if (!scopes.includes('openid'))
    return bearerError(res, 401, 'invalid_token', 'Access token does not contain openid scope');
  const user = pool.bySub.get(String(claims['sub']));
  if (!user) return bearerError(res, 401, 'invalid_token', 'User does not exist.');
  if (!user.enabled) return bearerError(res, 401, 'invalid_token', 'User is disabled.');
  const body: Record<string, string> = { sub: user.sub };
  for (const [n, v] of releasedAttributes(user, scopes)) body[n] = v;
  body['username'] = user.username;
  sendJson(res, 200, body, { 'access-control-allow-origin': '*' });
}

// ---------------------------------------------------------------------------------------------
// GET /logout

export function handleLogout(ctx: Context, url: URL, req: IncomingMessage, res: ServerResponse) {
  const q = url.searchParams;
  const clientId = q.get('client_id');
  const found = clientId ? ctx.state.client(clientId) : undefined;
  if (!found) return errorRedirect(ctx, res, clientId ? 'invalid_request' : 'Required parameters missing');
  const sid = parseCookies(req).get(SESSION_COOKIE);
  const clear = { 'set-cookie': [clearCookie(SESSION_COOKIE), clearCookie(XSRF_COOKIE)] };
  const logoutUri = q.get('logout_uri');
  if (logoutUri !== null) {
    if (!found.client.logoutUrls.includes(logoutUri))
      return errorRedirect(ctx, res, 'redirect_mismatch', clientId);
    if (sid) ctx.state.sessions.delete(digest(sid));
    return redirect(res, logoutUri, clear);
  }
  const redirectUri = q.get('redirect_uri');
  if (redirectUri === null)
    return errorRedirect(ctx, res, 'Required String parameter redirect_uri is not present');
  if (!found.client.callbackUrls.includes(redirectUri))
    return errorRedirect(ctx, res, 'redirect_mismatch', clientId);
  if (!q.get('response_type'))
    return errorRedirect(ctx, res, 'Required String parameter response_type is not present');
  if (sid) ctx.state.sessions.delete(digest(sid));
  const next = new URLSearchParams();
  for (const name of ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce']) {
    const value = q.get(name);
    if (value !== null) next.set(name, value);
  }
  redirect(res, `${ctx.baseUrl()}/login?${next}`, clear);
}
