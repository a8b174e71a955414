/**
 * The options of `createCognitoLogin()` checked once and turned into one frozen config: every
 * default applied, every bound enforced (`CONFIG_INVALID` otherwise). Nothing else in the login
 * wing reads the raw options.
 */
import { type DomainEndpoints, parseServiceUrl } from '../../config/endpoints.ts';
import type { PoolConfig } from '../../config/pool.ts';
import { CognitoAuthError } from '../../errors/errors.ts';
import type { CognitoVerifier } from '../../jwt/verifier.ts';
import type { FetchLike } from '../../oauth/client.ts';
import { type RandomBytes, defaultRandomBytes, randomToken } from '../../util/random.ts';
import type { PrincipalHook } from '../../principal/principal.ts';
import { MAX_COOKIE_AGE, type SameSite, isCookieDomain } from '../../session/cookies.ts';
import { validateSecrets } from '../../session/keys.ts';
import { isRevocationStore } from '../../session/revocation.ts';
import type { Lifetimes } from '../../session/session-data.ts';
import { type ServerErrorListener, logServerError, serverErrorListener } from '../../errors/server-errors.ts';
import type { CognitoLoginOptions, SessionOptions } from './options.ts';
import type { ErrorPageRenderer } from './responses.ts';

/** `renderErrorPage` as given, checked once. */
function errorPageRenderer(value: unknown): ErrorPageRenderer | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function')
    throw new CognitoAuthError('CONFIG_INVALID', 'renderErrorPage must be a function');
  return value as ErrorPageRenderer;
}

export interface LoginConfig {
  readonly pool: PoolConfig;
  readonly endpoints: DomainEndpoints;
  /** The app's public base URL, normalised (no trailing slash). */
  readonly appUrl: string;
  readonly appOrigin: string;
  /** The path part of appUrl ('' at the root). */
  readonly appPath: string;
  /** `http` or `https`, from appUrl. */
  readonly appProtocol: string;
  readonly appHost: string;
  /** appUrl is https: cookies are Secure and prefixed. */
  readonly secure: boolean;
  readonly prefix: string;
  readonly scopes: readonly string[];
  readonly cookieBase: string;
  readonly cookieDomain: string | undefined;
  readonly sameSite: SameSite;
  readonly lifetimes: Lifetimes;
  readonly marginMs: number;
  readonly loginTimeoutMs: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly logoutMode: 'cognito' | 'local';
  readonly logoutUri: string;
  readonly trustProxy: boolean;
  readonly maxCookieHeader: number;
  readonly session: SessionOptions;
  /** Validated session secrets (a random per-process one in store mode without secrets). */
  readonly secrets: readonly string[];
  readonly now: () => number;
  readonly random: RandomBytes;
  readonly hook: PrincipalHook | undefined;
  readonly onServerError: ServerErrorListener | undefined;
  readonly renderErrorPage: ErrorPageRenderer | undefined;
  readonly verifier: Pick<CognitoVerifier, 'verify'> | undefined;
  readonly fetch: FetchLike | undefined;
  readonly oauthTimeoutMs: number;
}

const DAY = 86_400;
const PREFIX = /^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/;
const COOKIE_BASE = /^[A-Za-z0-9_-]{1,40}$/;

function invalid(message: string): never {
  throw new CognitoAuthError('CONFIG_INVALID', message);
}

function integer(
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

function checkCookieDomain(option: string | undefined, appHost: string): string | undefined {
  const cookieDomain = option?.replace(/^\./, '').toLowerCase();
  if (cookieDomain === undefined) return undefined;
  if (!isCookieDomain(cookieDomain)) invalid('cookieDomain must be a host name such as example.com');
  const host = appHost.toLowerCase();
  if (host !== cookieDomain && !host.endsWith(`.${cookieDomain}`)) {
    invalid(`cookieDomain ${cookieDomain} does not contain the app host ${host}`);
  }
  return cookieDomain;
}

function checkSession(session: SessionOptions, random: RandomBytes): readonly string[] {
  if (typeof session !== 'object' || session === null)
    invalid("session must be { mode: 'cookie' | 'store', ... }");
  if (session.denylist !== undefined && typeof session.denylist?.deny !== 'function')
    invalid('session.denylist must come from createOriginDenylist()');
  if (session.mode === 'cookie') {
    const secrets = validateSecrets(session.secrets, 'session.secrets (SESSION_SECRET)');
    if (session.revocationStore !== undefined && !isRevocationStore(session.revocationStore))
      invalid('session.revocationStore must be a SessionStore or { set(key, ttlMs), has(key) }');
    return secrets;
  }
  if (session.mode === 'store') {
    const s = session.store;
    if (typeof s?.get !== 'function' || typeof s.acquireLease !== 'function')
      invalid('session.store is not a SessionStore');
    integer('session.revalidateAfterMs', session.revalidateAfterMs, 0, 0, 60_000);
    integer('session.cacheSize', session.cacheSize, 1000, 0, 1_000_000);
    if (session.push !== undefined && typeof session.push !== 'boolean')
      invalid('session.push must be a boolean');
    return session.secrets === undefined
      ? [randomToken(random, 48)]
      : validateSecrets(session.secrets, 'session.secrets (SESSION_SECRET)');
  }
  return invalid("session.mode must be 'cookie' or 'store'");
}

/** Validates `options` and applies the defaults. Throws `CONFIG_INVALID`. */
export function resolveLoginConfig(options: CognitoLoginOptions): LoginConfig {
  const { pool } = options;
  if (typeof pool !== 'object' || pool === null || typeof pool.clientId !== 'string')
    invalid('pool is required');
  const endpoints = pool.endpoints;
  if (!endpoints) invalid('pool.domain (the user pool domain) is required for browser login');
  const appUrl = parseServiceUrl('appUrl', options.appUrl, pool.allowInsecureHttp);
  const app = new URL(appUrl);

  const prefix = options.prefix ?? '/auth';
  if (!PREFIX.test(prefix) || prefix.includes('//')) invalid('prefix must be a path like /auth');
  const scopes = Object.freeze([...(options.scopes ?? ['openid', 'email', 'profile'])]);
  if (!scopes.includes('openid')) invalid('scopes must include openid (the ID token carries the nonce)');
  for (const s of scopes)
    if (typeof s !== 'string' || !/^[\x21-\x7e]+$/.test(s)) invalid('scopes are malformed');

  const cookieBase = options.cookieName ?? 'ccg-session';
  if (!COOKIE_BASE.test(cookieBase)) invalid('cookieName must be 1-40 letters, digits, - or _');
  const cookieDomain = checkCookieDomain(options.cookieDomain, app.hostname);
  const sameSite = options.sameSite ?? 'Lax';
  if (sameSite !== 'Lax' && sameSite !== 'Strict') invalid('sameSite must be Lax or Strict');

  const rolling = integer('rollingSeconds', options.rollingSeconds, 7 * DAY, 60, MAX_COOKIE_AGE);
  const absolute = integer('absoluteSeconds', options.absoluteSeconds, 30 * DAY, 60, MAX_COOKIE_AGE);
  if (rolling > absolute) invalid('rollingSeconds must not exceed absoluteSeconds');
  const marginMs = integer('refreshMarginSeconds', options.refreshMarginSeconds, 60, 0, 3600) * 1000;
  const loginTimeoutMs = integer('loginTimeoutSeconds', options.loginTimeoutSeconds, 600, 10, 3600) * 1000;
  const leaseMs = integer('refreshLeaseMs', options.refreshLeaseMs, 15_000, 100, 120_000);
  const pollMs = integer('refreshPollMs', options.refreshPollMs, 50, 1, 5000);
  const logoutMode = options.logout ?? 'cognito';
  if (logoutMode !== 'cognito' && logoutMode !== 'local') invalid("logout must be 'cognito' or 'local'");
  let logoutUri = `${appUrl}/`;
  if (options.logoutUri !== undefined) {
    // Validated, but sent exactly as given: Cognito compares it character for character.
    parseServiceUrl('logoutUri', options.logoutUri, pool.allowInsecureHttp);
    logoutUri = options.logoutUri;
  }
  const maxCookieHeader = integer(
    'maxCookieHeaderBytes',
    options.maxCookieHeaderBytes,
    16 * 1024,
    1024,
    64 * 1024,
  );
  const random = options.randomBytes ?? defaultRandomBytes;
  const secrets = checkSession(options.session, random);

  return Object.freeze({
    pool,
    endpoints,
    appUrl,
    appOrigin: app.origin,
    appPath: app.pathname === '/' ? '' : app.pathname,
    appProtocol: app.protocol.slice(0, -1),
    appHost: app.hostname,
    secure: app.protocol === 'https:',
    prefix,
    scopes,
    cookieBase,
    cookieDomain,
    sameSite,
    lifetimes: Object.freeze({ rollingMs: rolling * 1000, absoluteMs: absolute * 1000 }),
    marginMs,
    loginTimeoutMs,
    leaseMs,
    pollMs,
    logoutMode,
    logoutUri,
    trustProxy: options.trustProxy === true,
    maxCookieHeader,
    session: options.session,
    secrets: Object.freeze([...secrets]),
    now: options.now ?? Date.now,
    random,
    hook: options.hook,
    onServerError: serverErrorListener(options.onServerError, logServerError),
    renderErrorPage: errorPageRenderer(options.renderErrorPage),
    verifier: options.verifier,
    fetch: options.fetch,
    oauthTimeoutMs: integer('oauthTimeoutMs', options.oauthTimeoutMs, 10_000, 1, 600_000),
  });
}
