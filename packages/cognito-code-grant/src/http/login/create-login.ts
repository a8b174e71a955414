/**
 * `createCognitoLogin()`: browser sign-in with the authorization-code grant. Returns the routes
 * (login, callback, logout, me) as Web Request -> Response handlers, and a session Authenticator
 * that adapters run on every request (refreshing tokens that expire, at most once per session).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { parseServiceUrl } from '../../config/endpoints.ts';
import type { PoolConfig } from '../../config/pool.ts';
import { CognitoAuthError, hasErrorCode, isCognitoAuthError } from '../../errors/errors.ts';
import { type CognitoVerifier, createCognitoVerifier } from '../../jwt/verifier.ts';
import type { VerifiedToken } from '../../jwt/verified.ts';
import { buildAuthorizeUrl } from '../../oauth/authorize-url.ts';
import {
  type FetchLike,
  type OAuthClient,
  createOAuthClient,
  isPermanentRefreshFailure,
} from '../../oauth/client.ts';
import { buildLogoutUrl } from '../../oauth/logout-url.ts';
import { declaredLength, readStreamCapped } from '../../util/read-capped.ts';
import { type RandomBytes, defaultRandomBytes, pkceChallenge, randomToken } from '../../oauth/random.ts';
import { principalFromToken } from '../../principal/from-claims.ts';
import type { Principal, PrincipalHook } from '../../principal/principal.ts';
import {
  type Cookies,
  type SessionBackend,
  createCookieBackend,
  createStoreBackend,
} from '../../session/backends.ts';
import {
  MAX_COOKIE_AGE,
  type SameSite,
  isCookieDomain,
  parseCookies,
  prefixedName,
} from '../../session/cookies.ts';
import { csrfTokenFor, csrfTokenMatches, isSameOriginRequest } from '../../session/csrf.ts';
import { type SessionKeys, deriveSessionKeys, validateSecrets } from '../../session/keys.ts';
import {
  type LoginStateCookies,
  clearLoginState,
  readLoginState,
  writeLoginState,
} from '../../session/login-state.ts';
import {
  type Lifetimes,
  type SessionState,
  needsTouch,
  sessionExpiresAt,
} from '../../session/session-data.ts';
import { type RevocationStore, isRevocationStore, revocationList } from '../../session/revocation.ts';
import type { SessionStore } from '../../session/store.ts';
import type { AuthOutcome, Authenticator, RequestLike, RouteHandler } from '../types.ts';
import {
  logServerError,
  reportServerError,
  type ServerErrorListener,
  serverErrorListener,
} from '../server-errors.ts';
import { errorAnswer, json, redirect, wantsJson } from './responses.ts';
import { safeReturnTo } from './return-to.ts';

export type SessionOptions =
  | {
      readonly mode: 'cookie';
      /** `SESSION_SECRET`: 32+ bytes each; the first seals, all open (rotation). */
      readonly secrets: string | readonly string[];
      /**
       * Where ended sessions are recorded (until their absolute expiry) and checked on every
       * request: a SessionStore (memory, SQL, Redis; shared by all processes) or a minimal
       * `{ set(key, ttlMs), has(key) }` port.
       *
       * **Without it**, a logout is remembered only by the process that served it: a session
       * cookie captured before logout keeps working on OTHER processes (and after a restart)
       * until its access token needs a refresh, which then fails because the refresh token was
       * revoked (at most the access-token lifetime, 1 hour by default). Multi-process apps that
       * need a logout to take effect everywhere at once: use store mode or set this.
       */
      readonly revocationStore?: RevocationStore | undefined;
    }
  | {
      readonly mode: 'store';
      readonly store: SessionStore;
      /**
       * Seals the login-state cookie and derives CSRF tokens. Required when several processes
       * serve the app (a callback may land on another process); a random per-process secret
       * is used when omitted.
       */
      readonly secrets?: string | readonly string[] | undefined;
      /**
       * Opt-in: how long (ms) this process trusts its own last read of a session before asking
       * the store again. Default `0`: the store is read on every request, so a logout or a
       * revocation anywhere is refused on the very next request.
       *
       * With a window, requests within it skip the store round trip. A logout or refresh made by
       * THIS process takes effect here at once (the remembered session is evicted or replaced);
       * a logout made by ANOTHER process is seen here only when the window has passed, so a
       * stolen or logged-out cookie may keep working on other processes for up to this long.
       * Keep it short (a second or so). Integer, 0 to 60 000.
       */
      readonly revalidateAfterMs?: number | undefined;
      /**
       * Sessions remembered per process (decoded, bounded LRU; each holds its tokens, a few KB).
       * Default 1000; 0 disables (every read parses the store's JSON again).
       */
      readonly cacheSize?: number | undefined;
    };

export interface CognitoLoginOptions {
  /** From `definePool()`; needs `domain`, and `clientSecret` for a confidential client. */
  readonly pool: PoolConfig;
  /** `APP_URL`: the app's public base URL, e.g. `https://app.example.com`. */
  readonly appUrl: string;
  /** Defaults to a verifier for `pool` (sharing the injected `fetch` and `now`). */
  readonly verifier?: Pick<CognitoVerifier, 'verify'> | undefined;
  readonly session: SessionOptions;
  /** Path prefix of the routes. Default `/auth`. */
  readonly prefix?: string | undefined;
  /** Default `['openid', 'email', 'profile']`; must contain `openid`. */
  readonly scopes?: readonly string[] | undefined;
  /** Base name of the session cookie. Default `ccg-session`. */
  readonly cookieName?: string | undefined;
  /**
   * Shares the session cookie with sibling subdomains (`example.com` for `a.example.com` and
   * `b.example.com`). The `__Host-` prefix is then replaced by `__Secure-`.
   */
  readonly cookieDomain?: string | undefined;
  /** Default `Lax` (the callback is a cross-site top-level GET, which Lax cookies survive). */
  readonly sameSite?: SameSite | undefined;
  /** Idle lifetime of a session. Default 7 days. */
  readonly rollingSeconds?: number | undefined;
  /** Hard lifetime of a session. Default 30 days (Cognito's default refresh-token lifetime). */
  readonly absoluteSeconds?: number | undefined;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  readonly refreshMarginSeconds?: number | undefined;
  /**
   * `cognito` (default): also end the managed-login session via Cognito's `/logout`, which then
   * redirects to `logoutUri`; a `returnTo` is not honoured in this mode (Cognito accepts only
   * the exact registered sign-out URL). `local`: this app only, then a redirect to the validated
   * same-origin `returnTo`.
   */
  readonly logout?: 'cognito' | 'local' | undefined;
  /**
   * The `logout_uri` sent to Cognito's `/logout`: an absolute URL that must be registered,
   * exactly, as a sign-out URL of the app client. Default `${appUrl}/`.
   */
  readonly logoutUri?: string | undefined;
  /**
   * Largest Cookie header (bytes) the session layer reads; a larger one is refused with
   * REQUEST_TOO_LARGE (413). Default 16 384, 1 024 to 65 536.
   */
  readonly maxCookieHeaderBytes?: number | undefined;
  /**
   * Build URLs from `X-Forwarded-Proto` / `X-Forwarded-Host` / `Host`. Default false: from appUrl.
   * The right-most value of a list is used (the one added by the nearest proxy).
   */
  readonly trustProxy?: boolean | undefined;
  /** Runs with trigger `login` at the callback and `session` on each authenticated request. */
  readonly hook?: PrincipalHook | undefined;
  /**
   * Called when a login route answers an error with status 500 or more (Cognito unreachable, a
   * store down; the browser sees only the code). Default: one `console.error` line with the
   * code, message and cause, never a token, and the path without its query.
   */
  readonly onServerError?: ServerErrorListener | undefined;
  readonly fetch?: FetchLike | undefined;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  readonly randomBytes?: RandomBytes | undefined;
  /** Timeout of token, refresh and revoke calls. Default 10 000 ms. */
  readonly oauthTimeoutMs?: number | undefined;
  /** Lifetime of a login attempt. Default 600 s. */
  readonly loginTimeoutSeconds?: number | undefined;
  /** Cross-process refresh lease (store mode). Default 15 000 ms. */
  readonly refreshLeaseMs?: number | undefined;
  /** How often a process waiting for another's refresh re-reads the store. Default 50 ms. */
  readonly refreshPollMs?: number | undefined;
}

export interface CognitoLogin {
  /** GET `{prefix}/login`, GET `{prefix}/callback`, POST `{prefix}/logout`, GET `{prefix}/me`. */
  readonly routes: readonly RouteHandler[];
  /** Kind `session`: put it next to a bearer authenticator in an adapter. */
  readonly authenticator: Authenticator;
  /**
   * The CSRF token of the request's session, or null without one: put it in the logout form's
   * `csrf` field (or the `x-csrf-token` header). Synchronous; accepts a Web Request, a
   * RequestLike or a Node/Express request.
   */
  csrfToken(request: HeaderSource): string | null;
  /** Constant-time check of a CSRF token against the request's session (for your own forms). */
  verifyCsrf(request: HeaderSource, token: string | undefined): boolean;
  /** `{prefix}/login?returnTo=...` for a redirect to sign in. */
  loginPath(returnTo?: string): string;
  readonly prefix: string;
  readonly mode: 'cookie' | 'store';
}

type RefreshResult = { state: SessionState; setCookies: string[] };

/** Anything a Cookie header can be read from: Web Request, RequestLike, Node IncomingMessage. */
export type HeaderSource =
  | Request
  | RequestLike
  | { readonly headers: Readonly<Record<string, string | readonly string[] | undefined>> };

function cookieHeaderOf(source: HeaderSource): string | undefined {
  if (typeof (source as RequestLike).header === 'function') return (source as RequestLike).header('cookie');
  const headers = (source as { headers: unknown }).headers;
  if (headers && typeof (headers as Headers).get === 'function')
    return (headers as Headers).get('cookie') ?? undefined;
  const raw = (headers as Record<string, string | readonly string[] | undefined> | undefined)?.['cookie'];
  return Array.isArray(raw) ? raw.join('; ') : (raw as string | undefined);
}

const DAY = 86_400;
const PREFIX = /^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/;
const COOKIE_BASE = /^[A-Za-z0-9_-]{1,40}$/;
const CODE = /^[\x21-\x7e]{1,2048}$/;
const MAX_FORM = 8 * 1024;
const SUFFIX_CALLBACK = '/callback';

function invalid(message: string): never {
  throw new CognitoAuthError('CONFIG_INVALID', message);
}

function seconds(
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min || v > max)
    invalid(`${name} must be an integer between ${min} and ${max}`);
  return v;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function toRequestLike(request: Request | RequestLike): RequestLike {
  if (typeof Request !== 'undefined' && request instanceof Request) {
    const url = new URL(request.url);
    return {
      method: request.method,
      url: url.pathname + url.search,
      header: (name) => request.headers.get(name) ?? undefined,
    };
  }
  return request as RequestLike;
}

function splitScopes(scope: unknown): readonly string[] {
  return typeof scope === 'string' ? Object.freeze(scope.split(' ').filter(Boolean)) : Object.freeze([]);
}

/** The session principal: identity from the ID token, scopes and expiry from the access token. */
function sessionPrincipal(id: VerifiedToken, access: VerifiedToken, previous?: Principal): Principal {
  const base = principalFromToken(id, 'session');
  const principal: Principal = {
    ...base,
    scopes: splitScopes(access.claims['scope']),
    expiresAt: access.claims.exp,
  };
  if (previous?.replicaUserId !== undefined && principal.replicaUserId === undefined) {
    return Object.freeze({ ...principal, replicaUserId: previous.replicaUserId });
  }
  return Object.freeze(principal);
}

/** Creates the login routes and the session authenticator. Throws `CONFIG_INVALID` on bad options. */
export function createCognitoLogin(options: CognitoLoginOptions): CognitoLogin {
  const { pool } = options;
  if (typeof pool !== 'object' || pool === null || typeof pool.clientId !== 'string')
    invalid('pool is required');
  const endpoints = pool.endpoints;
  if (!endpoints) invalid('pool.domain (the user pool domain) is required for browser login');
  const appUrl = parseServiceUrl('appUrl', options.appUrl, pool.allowInsecureHttp);
  const app = new URL(appUrl);
  const appOrigin = app.origin;
  const appPath = app.pathname === '/' ? '' : app.pathname;
  const secure = app.protocol === 'https:';

  const prefix = options.prefix ?? '/auth';
  if (!PREFIX.test(prefix) || prefix.includes('//')) invalid('prefix must be a path like /auth');
  const scopes = Object.freeze([...(options.scopes ?? ['openid', 'email', 'profile'])]);
  if (!scopes.includes('openid')) invalid('scopes must include openid (the ID token carries the nonce)');
  for (const s of scopes)
    if (typeof s !== 'string' || !/^[\x21-\x7e]+$/.test(s)) invalid('scopes are malformed');

  const cookieBase = options.cookieName ?? 'ccg-session';
  if (!COOKIE_BASE.test(cookieBase)) invalid('cookieName must be 1-40 letters, digits, - or _');
  const cookieDomain = options.cookieDomain?.replace(/^\./, '').toLowerCase();
  if (cookieDomain !== undefined) {
    if (!isCookieDomain(cookieDomain)) invalid('cookieDomain must be a host name such as example.com');
    const host = app.hostname.toLowerCase();
    if (host !== cookieDomain && !host.endsWith(`.${cookieDomain}`)) {
      invalid(`cookieDomain ${cookieDomain} does not contain the app host ${host}`);
    }
  }
  const sameSite = options.sameSite ?? 'Lax';
  if (sameSite !== 'Lax' && sameSite !== 'Strict') invalid('sameSite must be Lax or Strict');

  const rolling = seconds('rollingSeconds', options.rollingSeconds, 7 * DAY, 60, MAX_COOKIE_AGE);
  const absolute = seconds('absoluteSeconds', options.absoluteSeconds, 30 * DAY, 60, MAX_COOKIE_AGE);
  if (rolling > absolute) invalid('rollingSeconds must not exceed absoluteSeconds');
  const lifetimes: Lifetimes = { rollingMs: rolling * 1000, absoluteMs: absolute * 1000 };
  const marginMs = seconds('refreshMarginSeconds', options.refreshMarginSeconds, 60, 0, 3600) * 1000;
  const loginTimeoutMs = seconds('loginTimeoutSeconds', options.loginTimeoutSeconds, 600, 10, 3600) * 1000;
  const leaseMs = seconds('refreshLeaseMs', options.refreshLeaseMs, 15_000, 100, 120_000);
  const pollMs = seconds('refreshPollMs', options.refreshPollMs, 50, 1, 5000);
  const logoutMode = options.logout ?? 'cognito';
  if (logoutMode !== 'cognito' && logoutMode !== 'local') invalid("logout must be 'cognito' or 'local'");
  const trustProxy = options.trustProxy === true;
  let logoutUri = `${appUrl}/`;
  if (options.logoutUri !== undefined) {
    // Validated, but sent exactly as given: Cognito compares it character for character.
    parseServiceUrl('logoutUri', options.logoutUri, pool.allowInsecureHttp);
    logoutUri = options.logoutUri;
  }
  const maxCookieHeader = seconds(
    'maxCookieHeaderBytes',
    options.maxCookieHeaderBytes,
    16 * 1024,
    1024,
    64 * 1024,
  );
  const now = options.now ?? Date.now;
  const random = options.randomBytes ?? defaultRandomBytes;
  const hook = options.hook;
  const onServerError = serverErrorListener(options.onServerError, logServerError);
  /** The error answer of a route, reported when it is a server error. */
  function answerError(request: Request, error: unknown, setCookies?: readonly string[], loginPath?: string) {
    const response = errorAnswer(request, error, setCookies, loginPath);
    reportServerError(onServerError, response.status, error, request.method, request.url);
    return response;
  }

  const session = options.session;
  if (typeof session !== 'object' || session === null)
    invalid("session must be { mode: 'cookie' | 'store', ... }");
  let secrets: readonly string[];
  if (session.mode === 'cookie') {
    secrets = validateSecrets(session.secrets, 'session.secrets (SESSION_SECRET)');
    if (session.revocationStore !== undefined && !isRevocationStore(session.revocationStore))
      invalid('session.revocationStore must be a SessionStore or { set(key, ttlMs), has(key) }');
  } else if (session.mode === 'store') {
    const s = session.store;
    if (typeof s?.get !== 'function' || typeof s.acquireLease !== 'function')
      invalid('session.store is not a SessionStore');
    seconds('session.revalidateAfterMs', session.revalidateAfterMs, 0, 0, 60_000);
    seconds('session.cacheSize', session.cacheSize, 1000, 0, 1_000_000);
    secrets =
      session.secrets === undefined
        ? [randomToken(random, 48)]
        : validateSecrets(session.secrets, 'session.secrets (SESSION_SECRET)');
  } else {
    invalid("session.mode must be 'cookie' or 'store'");
  }
  const keys: SessionKeys = deriveSessionKeys(secrets);

  const verifier =
    options.verifier ??
    createCognitoVerifier({
      pools: pool,
      now,
      ...(options.fetch ? { fetch: options.fetch as typeof globalThis.fetch } : {}),
    });
  const oauth: OAuthClient = createOAuthClient({
    pool,
    fetch: options.fetch,
    timeoutMs: options.oauthTimeoutMs,
  });

  const cookieName = prefixedName(cookieBase, secure, cookieDomain);
  const attributes = { path: '/', domain: cookieDomain, secure, httpOnly: true, sameSite };
  const backend: SessionBackend =
    session.mode === 'cookie'
      ? createCookieBackend({
          cookieName,
          attributes,
          lifetimes,
          random,
          ring: keys.session,
          now,
          maxCookieHeaderBytes: maxCookieHeader,
          revocations: session.revocationStore ? revocationList(session.revocationStore) : undefined,
        })
      : createStoreBackend({
          cookieName,
          attributes,
          lifetimes,
          random,
          now,
          store: session.store,
          revalidateAfterMs: session.revalidateAfterMs ?? 0,
          cacheSize: session.cacheSize ?? 1000,
        });
  const loginCookies: LoginStateCookies = {
    baseName: `${cookieBase}-login`,
    secure,
    // Sent to the login route too, so that starting a login can bound the number of them.
    path: prefix,
    ring: keys.loginState,
    maxParallel: 5,
  };

  // Single use of `state` within this process (the code itself is single use at Cognito).
  const usedStates = new Map<string, number>();
  const consumeState = (state: string, until: number): boolean => {
    const t = now();
    const key = createHash('sha256').update(state).digest('base64url');
    if (usedStates.has(key)) return false;
    if (usedStates.size >= 10_000) {
      for (const [k, v] of usedStates) if (v <= t) usedStates.delete(k);
      while (usedStates.size >= 10_000) {
        const first = usedStates.keys().next().value;
        if (first === undefined) break;
        usedStates.delete(first);
      }
    }
    usedStates.set(key, until);
    return true;
  };
  // One refresh per session in this process; the store's lease covers other processes.
  const inflight = new Map<string, Promise<RefreshResult>>();
  // Cookie mode: requests that left the browser before the refreshed cookie arrived still carry
  // the old tokens. The result of a refresh is kept briefly (bounded) and handed to them.
  const recent = new Map<string, { from: string; until: number; result: RefreshResult }>();
  const RECENT_MS = 60_000;
  const rememberRefresh = (sid: string, from: string, result: RefreshResult) => {
    const t = now();
    for (const [k, v] of recent) if (v.until <= t) recent.delete(k);
    while (recent.size >= 10_000) {
      const first = recent.keys().next().value;
      if (first === undefined) break;
      recent.delete(first);
    }
    recent.set(sid, { from, until: t + RECENT_MS, result });
  };

  // Sessions whose refresh failed transiently while their token was still valid: no new
  // attempt before the pause ends (bounded; entries are dropped when they expire).
  const retryAfter = new Map<string, number>();
  const RETRY_PAUSE_MS = 5_000;

  const loginPath = (returnTo?: string) => {
    const target = safeReturnTo(returnTo);
    return `${prefix}/login` + (target === '/' ? '' : `?returnTo=${encodeURIComponent(target)}`);
  };

  function baseUrl(header: (name: string) => string | null | undefined): string {
    if (!trustProxy) return appUrl;
    // Right-most: appending proxies add their value last; the left-most may come from the client.
    const last = (v: string | null | undefined) => v?.split(',').at(-1)?.trim() || undefined;
    const proto = last(header('x-forwarded-proto')) ?? app.protocol.slice(0, -1);
    const host = last(header('x-forwarded-host')) ?? last(header('host'));
    if (
      (proto !== 'https' && proto !== 'http') ||
      !host ||
      !/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-fA-F:.]+\](?::\d{1,5})?$/.test(host)
    ) {
      throw new CognitoAuthError('HOST_UNTRUSTED', 'The forwarded host or protocol is malformed');
    }
    return `${proto}://${host}${appPath}`;
  }

  function sessionError(
    code: 'SESSION_EXPIRED' | 'REFRESH_FAILED',
    message: string,
    setCookies: readonly string[],
    request: RequestLike,
    cause?: unknown,
    oauthError?: unknown,
  ): CognitoAuthError {
    // `setCookies` clear the ended session; `loginPath` is where a page should send the browser.
    return new CognitoAuthError(code, message, {
      cause,
      details: {
        setCookies: [...setCookies],
        loginPath: loginPath(request.method === 'GET' ? request.url : undefined),
        ...(typeof oauthError === 'string' ? { error: oauthError } : {}),
      },
    });
  }

  async function endSession(state: SessionState, cookies: Cookies): Promise<string[]> {
    try {
      return await backend.destroy(state, cookies);
    } catch {
      return backend.clear(cookies);
    }
  }

  async function performRefresh(
    state: SessionState,
    cookies: Cookies,
    request: RequestLike,
  ): Promise<RefreshResult> {
    if (state.refreshToken === undefined) {
      const setCookies = await endSession(state, cookies);
      throw sessionError(
        'SESSION_EXPIRED',
        'The session has no refresh token and its access token expired',
        setCookies,
        request,
      );
    }
    let next: SessionState;
    try {
      const tokens = await oauth.refresh(state.refreshToken);
      const access = await verifier.verify(tokens.accessToken, {
        tokenUse: 'access',
        clientId: pool.clientId,
      });
      const id = tokens.idToken
        ? await verifier.verify(tokens.idToken, { tokenUse: 'id', clientId: pool.clientId })
        : undefined;
      if (access.claims.sub !== state.principal.sub || (id && id.claims.sub !== state.principal.sub)) {
        throw new CognitoAuthError('REFRESH_FAILED', 'The refreshed tokens belong to another user', {
          details: { error: 'invalid_grant' },
        });
      }
      const principal = id
        ? sessionPrincipal(id, access, state.principal)
        : Object.freeze({
            ...state.principal,
            scopes: splitScopes(access.claims['scope']),
            expiresAt: access.claims.exp,
          });
      next = {
        ...state,
        principal,
        accessToken: tokens.accessToken,
        // Without refresh-token rotation Cognito returns none: keep the old one.
        refreshToken: tokens.refreshToken ?? state.refreshToken,
        accessExpiresAt: access.claims.exp,
        seenAt: now(),
      };
    } catch (error) {
      const stillValid = state.accessExpiresAt * 1000 > now();
      const permanent =
        isPermanentRefreshFailure(error) || (isCognitoAuthError(error) && error.code.startsWith('TOKEN_'));
      if (!permanent && stillValid) {
        // A blip while the token still works: serve it, and retry only after a pause.
        retryAfter.set(state.sid, now() + RETRY_PAUSE_MS);
        return { state, setCookies: [] };
      }
      const setCookies = permanent ? await endSession(state, cookies) : [];
      throw sessionError(
        'REFRESH_FAILED',
        permanent ? 'The session could not be refreshed and has ended' : 'The session could not be refreshed',
        setCookies,
        request,
        error,
        isCognitoAuthError(error) ? error.details?.['error'] : undefined,
      );
    }
    let setCookies: string[];
    try {
      setCookies = await backend.save(next, cookies, now());
    } catch (error) {
      // Logged out while the refresh waited on Cognito: the new tokens are dropped.
      if (hasErrorCode(error, 'SESSION_EXPIRED'))
        throw sessionError('SESSION_EXPIRED', 'The session has ended', backend.clear(cookies), request);
      // The refreshed tokens no longer fit in a cookie: end the session (the browser signs in
      // again and gets the same answer at the callback) rather than refresh again on every
      // request; the operator hears of it.
      if (hasErrorCode(error, 'SESSION_TOO_LARGE')) {
        reportServerError(onServerError, 500, error, request.method, request.url);
        if (next.refreshToken !== undefined) await oauth.revoke(next.refreshToken).catch(() => undefined);
        throw sessionError(
          'SESSION_EXPIRED',
          'The session has ended',
          await endSession(state, cookies),
          request,
        );
      }
      throw error;
    }
    return { state: next, setCookies };
  }

  const fresh = (s: SessionState) => s.accessExpiresAt * 1000 - marginMs > now();

  async function refreshAcrossProcesses(
    state: SessionState,
    cookies: Cookies,
    request: RequestLike,
  ): Promise<RefreshResult> {
    const lease = backend.lease;
    if (!lease) return performRefresh(state, cookies, request);
    const owner = randomToken(random, 16);
    const rounds = Math.ceil(leaseMs / pollMs) + 1;
    for (let i = 0; i <= rounds; i++) {
      if (await lease.acquire(state.sid, owner, leaseMs)) {
        try {
          // Another process may have refreshed between our read and the lease.
          const current = await backend.read(cookies, { revalidate: true });
          if (!current)
            throw sessionError('SESSION_EXPIRED', 'The session has ended', backend.clear(cookies), request);
          if (fresh(current.state)) return { state: current.state, setCookies: [] };
          return await performRefresh(current.state, cookies, request);
        } finally {
          await lease.release(state.sid, owner).catch(() => undefined);
        }
      }
      // Someone else holds the lease: wait for their result.
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const current = await backend.read(cookies, { revalidate: true });
      if (!current)
        throw sessionError('SESSION_EXPIRED', 'The session has ended', backend.clear(cookies), request);
      if (fresh(current.state)) return { state: current.state, setCookies: [] };
    }
    throw sessionError(
      'REFRESH_FAILED',
      'Timed out waiting for another process to refresh the session',
      [],
      request,
    );
  }

  function refreshOnce(state: SessionState, cookies: Cookies, request: RequestLike): Promise<RefreshResult> {
    const running = inflight.get(state.sid);
    if (running) return running;
    const pause = retryAfter.get(state.sid);
    if (pause !== undefined) {
      const t = now();
      if (pause > t && state.accessExpiresAt * 1000 > t) return Promise.resolve({ state, setCookies: [] });
      retryAfter.delete(state.sid);
    }
    if (retryAfter.size > 10_000) retryAfter.clear();
    if (backend.mode === 'cookie') {
      const done = recent.get(state.sid);
      if (done && done.until > now() && done.from === state.accessToken && fresh(done.result.state)) {
        return Promise.resolve(done.result);
      }
    }
    const p = refreshAcrossProcesses(state, cookies, request)
      .then((result) => {
        if (backend.mode === 'cookie' && result.state !== state)
          rememberRefresh(state.sid, state.accessToken, result);
        return result;
      })
      .finally(() => inflight.delete(state.sid));
    inflight.set(state.sid, p);
    return p;
  }

  /** The Cookie header, refused with REQUEST_TOO_LARGE past the cap (before any parsing). */
  function cookieHeader(value: string | null | undefined): string | undefined {
    if (value === null || value === undefined) return undefined;
    if (Buffer.byteLength(value) > maxCookieHeader)
      throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The Cookie header is too large');
    return value;
  }

  async function resolveSession(
    request: RequestLike,
  ): Promise<{ state: SessionState | undefined; principal: Principal | null; setCookies: string[] }> {
    const header = cookieHeader(request.header('cookie'));
    if (header === undefined || !header.includes(cookieName))
      return { state: undefined, principal: null, setCookies: [] };
    const cookies = parseCookies(header);
    if (!backend.present(cookies)) return { state: undefined, principal: null, setCookies: [] };
    const read = await backend.read(cookies);
    if (!read) return { state: undefined, principal: null, setCookies: backend.clear(cookies) };
    let state = read.state;
    const t = now();
    if (t >= sessionExpiresAt(state, lifetimes)) {
      const setCookies = await endSession(state, cookies);
      throw sessionError('SESSION_EXPIRED', 'The session has expired', setCookies, request);
    }
    let setCookies: string[] = [];
    if (!fresh(state)) {
      const result = await refreshOnce(state, cookies, request);
      state = result.state;
      setCookies = result.setCookies;
    } else if (read.rewrite || needsTouch(state, lifetimes, t)) {
      state = { ...state, seenAt: t };
      setCookies = await backend.extend(state, cookies, t);
    }
    let principal = state.principal;
    if (hook) principal = await hook(principal, { trigger: 'session' });
    return { state, principal, setCookies };
  }

  const authenticator: Authenticator = {
    kind: 'session',
    async authenticate(request: RequestLike): Promise<AuthOutcome> {
      const { principal, setCookies } = await resolveSession(request);
      return { principal, setCookies };
    },
  };

  // ---- routes -------------------------------------------------------------------------------

  async function login(request: Request): Promise<Response> {
    try {
      const url = new URL(request.url);
      const q = url.searchParams;
      const base = baseUrl((n) => request.headers.get(n));
      const redirectUri = `${base}${prefix}/callback`;
      const state = randomToken(random, 32);
      const nonce = randomToken(random, 32);
      const codeVerifier = randomToken(random, 32);
      const location = buildAuthorizeUrl({
        authorizeEndpoint: endpoints!.authorize,
        clientId: pool.clientId,
        redirectUri,
        scopes,
        state,
        nonce,
        codeChallenge: pkceChallenge(codeVerifier),
        identityProvider: q.get('identity_provider') ?? undefined,
        loginHint: q.get('login_hint') ?? undefined,
        lang: q.get('lang') ?? undefined,
      });
      const t = now();
      const setCookies = writeLoginState(
        loginCookies,
        {
          state,
          nonce,
          codeVerifier,
          redirectUri,
          returnTo: safeReturnTo(q.get('returnTo')),
          createdAt: t,
          expiresAt: t + loginTimeoutMs,
        },
        parseCookies(cookieHeader(request.headers.get('cookie'))),
        t,
      );
      return redirect(location, setCookies);
    } catch (error) {
      return answerError(request, error);
    }
  }

  async function callback(request: Request): Promise<Response> {
    const clear: string[] = [];
    try {
      const cookies = parseCookies(cookieHeader(request.headers.get('cookie')));
      const q = new URL(request.url).searchParams;
      // RFC 6749 section 3.1: a parameter may appear once. With two, which one a check reads and
      // which one the exchange uses could differ; nothing of this sign-in is touched.
      for (const name of ['code', 'state', 'error'])
        if (q.getAll(name).length > 1)
          throw new CognitoAuthError('CALLBACK_INVALID', `The callback repeats the ${name} parameter`);
      const stateParam = q.get('state');
      const found =
        stateParam !== null && stateParam.length <= 512
          ? readLoginState(loginCookies, stateParam, cookies, now())
          : undefined;
      if (found && found.kind !== 'missing' && found.cookieName)
        clear.push(clearLoginState(loginCookies, found.cookieName));
      const idpError = q.get('error');
      if (idpError !== null) {
        const code = /^[a-z_]{1,64}$/.test(idpError) ? idpError : 'invalid_error';
        throw new CognitoAuthError('CALLBACK_IDP_ERROR', `Sign-in was not completed (${code})`, {
          details: { error: code },
        });
      }
      if (stateParam === null || stateParam === '') {
        throw new CognitoAuthError('LOGIN_STATE_MISSING', 'The callback carries no state');
      }
      if (!found || found.kind === 'missing') {
        throw new CognitoAuthError('LOGIN_STATE_MISSING', 'No sign-in is in progress in this browser');
      }
      if (found.kind === 'invalid') {
        throw new CognitoAuthError('LOGIN_STATE_INVALID', 'The sign-in state does not match or has expired');
      }
      const login = found.value;
      if (!consumeState(login.state, login.expiresAt)) {
        throw new CognitoAuthError('LOGIN_STATE_INVALID', 'This sign-in was already completed');
      }
      const code = q.get('code');
      if (code === null || !CODE.test(code))
        throw new CognitoAuthError('CALLBACK_INVALID', 'The callback carries no valid code');

      const tokens = await oauth.exchangeCode(code, login.codeVerifier, login.redirectUri);
      const id = await verifyAtCallback(tokens.idToken!, 'id');
      const nonce = id.claims['nonce'];
      if (typeof nonce !== 'string' || !sameText(nonce, login.nonce)) {
        throw new CognitoAuthError('NONCE_MISMATCH', 'The ID token nonce does not match this sign-in');
      }
      const access = await verifyAtCallback(tokens.accessToken, 'access');
      if (access.claims.sub !== id.claims.sub) {
        throw new CognitoAuthError('CALLBACK_INVALID', 'The ID and access tokens belong to different users');
      }
      let principal = sessionPrincipal(id, access);
      if (hook) principal = await hook(principal, { trigger: 'login' });

      // Fixation: whatever session the browser had ends here; the new one gets a fresh id.
      if (backend.present(cookies)) {
        const old = await backend.read(cookies).catch(() => undefined);
        if (old) await endSession(old.state, cookies);
      }
      const t = now();
      const created = await backend
        .create(
          {
            principal,
            accessToken: tokens.accessToken,
            refreshToken: tokens.refreshToken,
            accessExpiresAt: access.claims.exp,
            createdAt: t,
            absoluteExpiresAt: t + lifetimes.absoluteMs,
            seenAt: t,
          },
          cookies,
          t,
        )
        .catch(async (error: unknown) => {
          // No session holds the new refresh token: it is revoked, not left valid for 30 days.
          if (hasErrorCode(error, 'SESSION_TOO_LARGE') && tokens.refreshToken !== undefined)
            await oauth.revoke(tokens.refreshToken).catch(() => undefined);
          throw error;
        });
      // Back to the base this login started from (sealed in the login state), not to whatever
      // the callback request's headers say.
      const suffix = prefix + SUFFIX_CALLBACK;
      const base = login.redirectUri.endsWith(suffix) ? login.redirectUri.slice(0, -suffix.length) : appUrl;
      return redirect(base + login.returnTo, [...clear, ...created.setCookies]);
    } catch (error) {
      return answerError(request, error, clear, `${prefix}/login`);
    }
  }

  /** ID/access token failures at the callback are a bad callback (400), not a bad bearer (401). */
  async function verifyAtCallback(token: string, tokenUse: 'id' | 'access'): Promise<VerifiedToken> {
    try {
      return await verifier.verify(token, { tokenUse, clientId: pool.clientId });
    } catch (error) {
      if (isCognitoAuthError(error) && /^(TOKEN|JWKS)_/.test(error.code)) {
        throw new CognitoAuthError('CALLBACK_INVALID', `The ${tokenUse} token of the callback is invalid`, {
          cause: error,
          details: { reason: error.code },
        });
      }
      throw error;
    }
  }

  async function readForm(request: Request): Promise<URLSearchParams> {
    const type = request.headers.get('content-type') ?? '';
    if (!/^application\/x-www-form-urlencoded\b/i.test(type) || request.body === null)
      return new URLSearchParams();
    const declared = declaredLength(request.headers.get('content-length'));
    if (declared !== undefined && Number.isNaN(declared))
      throw new CognitoAuthError('BAD_REQUEST', 'The Content-Length header is malformed');
    if (declared !== undefined && declared > MAX_FORM)
      throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The form is too large');
    // Streamed with a cap: a chunked or lying body is cut off as soon as it passes MAX_FORM.
    const text = await readStreamCapped(request.body, MAX_FORM);
    if (text === undefined) throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The form is too large');
    return new URLSearchParams(text);
  }

  async function logout(request: Request): Promise<Response> {
    try {
      const header = (n: string) => request.headers.get(n);
      const base = baseUrl(header);
      const origins = [...new Set([appOrigin, new URL(base).origin])];
      if (!isSameOriginRequest(header, origins)) {
        throw new CognitoAuthError('CSRF_INVALID', 'Cross-site sign-out requests are refused');
      }
      const form = await readForm(request);
      const cookies = parseCookies(cookieHeader(request.headers.get('cookie')));
      const current = backend.present(cookies) ? await backend.read(cookies) : undefined;
      if (current) {
        const presented =
          request.headers.get('x-csrf-token') ?? form.get('csrf') ?? form.get('_csrf') ?? undefined;
        if (!csrfTokenMatches(keys.csrf, current.state.sid, presented)) {
          throw new CognitoAuthError('CSRF_INVALID', 'The sign-out form is missing its CSRF token');
        }
      }
      let setCookies: string[];
      let failure: unknown;
      try {
        setCookies = current ? await backend.destroy(current.state, cookies) : backend.clear(cookies);
      } catch (error) {
        // The store failed to record the end: still clear the cookie and revoke, then report it.
        failure = error;
        setCookies = backend.clear(cookies);
      }
      const refreshToken = current?.state.refreshToken;
      if (refreshToken !== undefined) {
        // The local session is gone either way (Cognito answers 200 for dead tokens), so the
        // browser's logout succeeds; a failed revoke is reported, since on cookie mode without
        // a shared revocationStore a captured cookie then keeps refreshing on other processes.
        await oauth.revoke(refreshToken).catch((error: unknown) => {
          reportServerError(onServerError, 502, error, request.method, request.url);
        });
      }
      if (failure !== undefined) return answerError(request, failure, setCookies);
      // Cognito sends the browser only to the exact registered logout_uri: returnTo is for
      // local logout (a path appended there would end on a Cognito error page, session kept).
      const target =
        logoutMode === 'cognito'
          ? buildLogoutUrl({ logoutEndpoint: endpoints!.logout, clientId: pool.clientId, logoutUri })
          : base + safeReturnTo(form.get('returnTo') ?? new URL(request.url).searchParams.get('returnTo'));
      if (wantsJson(request)) return json({ redirect: target }, 200, setCookies);
      return redirect(target, setCookies, 303);
    } catch (error) {
      return answerError(request, error);
    }
  }

  async function me(request: Request): Promise<Response> {
    try {
      const { state, principal, setCookies } = await resolveSession(toRequestLike(request));
      if (!principal || !state) {
        return json({ error: 'AUTH_REQUIRED', message: 'Not signed in' }, 401, setCookies);
      }
      return json({ principal, csrfToken: csrfTokenFor(keys.csrf, state.sid) }, 200, setCookies);
    } catch (error) {
      const setCookies = isCognitoAuthError(error)
        ? (error.details?.['setCookies'] as string[] | undefined)
        : undefined;
      // Always JSON here (an XHR from the page), whatever the Accept header says.
      return answerError(
        new Request(request.url, { method: request.method, headers: { accept: 'application/json' } }),
        error,
        setCookies ?? [],
      );
    }
  }

  /** The session id named by the request's cookie; none for an oversized Cookie header. */
  function sessionIdOf(request: HeaderSource): string | undefined {
    const header = cookieHeaderOf(request);
    if (header !== undefined && Buffer.byteLength(header) > maxCookieHeader) return undefined;
    return backend.sessionId(parseCookies(header));
  }

  const routes: RouteHandler[] = [
    { method: 'GET', path: `${prefix}/login`, handle: login },
    { method: 'GET', path: `${prefix}/callback`, handle: callback },
    { method: 'POST', path: `${prefix}/logout`, handle: logout },
    { method: 'GET', path: `${prefix}/me`, handle: me },
  ];

  return Object.freeze({
    routes: Object.freeze(routes),
    authenticator,
    prefix,
    mode: backend.mode,
    loginPath,
    csrfToken(request: HeaderSource): string | null {
      const sid = sessionIdOf(request);
      return sid === undefined ? null : csrfTokenFor(keys.csrf, sid);
    },
    verifyCsrf(request: HeaderSource, token: string | undefined): boolean {
      const sid = sessionIdOf(request);
      return sid !== undefined && csrfTokenMatches(keys.csrf, sid, token);
    },
  });
}
