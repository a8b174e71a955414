/**
 * GET /oauth2/authorize and the validation of its parameters (shared by /login GET and POST):
 * client and exact redirect URI (else the emulator's own /error page), response type, PKCE S256,
 * scopes, identity provider; a live hosted-login session answers with a code at once.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from '../context.ts';
import { digest } from '../digest.ts';
import { parseCookies, redirect, sendHtml, withQuery } from '../http.ts';
import { errorPage } from '../pages.ts';
import type { Client, PoolState, User } from '../state.ts';

/**
 * Cognito calls these `cognito` and `XSRF-TOKEN` on its own domain. Cookies are not isolated by
 * port, so on localhost the app (say :3000) and the emulator (:9230) share a cookie jar: distinct
 * names keep an app's own `XSRF-TOKEN` from breaking the sign-in form.
 */
export const SESSION_COOKIE = 'cognito-emulator-session';
export const XSRF_COOKIE = 'cognito-emulator-xsrf';
export const SESSION_SECONDS = 3600;
const CODE_MS = 5 * 60 * 1000;

// ---------------------------------------------------------------------------------------------
// /error

export function errorRedirect(ctx: Context, res: ServerResponse, error: string, clientId?: string | null) {
  redirect(res, withQuery(`${ctx.baseUrl()}/error`, { error, client_id: clientId ?? undefined }));
}

/**
 * A redirect or sign-out URL the client has not registered: the emulator's own error page (never
 * the URL), and a log line naming the URL sent and the registered ones, which Cognito never tells.
 */
export function redirectMismatch(
  ctx: Context,
  res: ServerResponse,
  client: Client,
  parameter: 'redirect_uri' | 'logout_uri',
  sent: string | null,
) {
  const registered = parameter === 'logout_uri' ? client.logoutUrls : client.callbackUrls;
  const kind = parameter === 'logout_uri' ? 'sign-out URLs' : 'callback URLs';
  const flag = parameter === 'logout_uri' ? '--logout-url' : '--callback-url';
  ctx.log(
    `redirect_mismatch: client ${client.clientName} (${client.clientId}) sent ${
      sent === null ? `no ${parameter}` : `${parameter} ${JSON.stringify(sent)}`
    }; registered ${kind}: ${registered.join(', ') || '(none)'}. Add it to the seed, or start with ${flag} <url>.`,
  );
  errorRedirect(ctx, res, 'redirect_mismatch', client.clientId);
}

export function handleError(ctx: Context, url: URL, res: ServerResponse) {
  const error = url.searchParams.get('error') ?? 'error';
  const clientId = url.searchParams.get('client_id');
  const client = error === 'redirect_mismatch' && clientId ? ctx.state.client(clientId)?.client : undefined;
  // Not on Cognito's page: the emulator helps the developer find the URL to register.
  const help = client
    ? `Registered callback URLs of ${client.clientName}: ${client.callbackUrls.join(', ') || '(none)'}; sign-out URLs: ${
        client.logoutUrls.join(', ') || '(none)'
      }. The emulator's log names the URL that was sent.`
    : undefined;
  sendHtml(res, 400, errorPage(error, help));
}

// ---------------------------------------------------------------------------------------------
// authorize request validation (shared by /oauth2/authorize, /login GET and POST)

export interface AuthorizeRequest {
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

export function validateAuthorize(ctx: Context, q: URLSearchParams): Validated {
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
    return { ok: false, respond: (res) => redirectMismatch(ctx, res, client, 'redirect_uri', redirectUri) };
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

export function liveSession(
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

export function issueCode(
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

const AUTHORIZE_PARAMS = [
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'identity_provider',
  'idp_identifier',
  'prompt',
  'login_hint',
  'lang',
];

/** The authorize request's own parameters, carried from page to page (sign-in, sign-up, reset). */
export function authorizeParams(url: URL): URLSearchParams {
  const out = new URLSearchParams();
  for (const [k, v] of url.searchParams) if (AUTHORIZE_PARAMS.includes(k)) out.append(k, v);
  return out;
}
