/**
 * What every part of the login wing shares, built once from the config: the session backend,
 * keys, OAuth client and verifier, and the few helpers they all use (the error answer, the
 * login path, the capped Cookie header). The one place an error page is rendered and reported
 * is `answerError`; the one place a session ends is session-end.ts.
 */
import { CognitoAuthError } from '../../errors/errors.ts';
import { type CognitoVerifier, createCognitoVerifier } from '../../jwt/verifier.ts';
import { type OAuthClient, createOAuthClient } from '../../oauth/client.ts';
import { type SessionBackend, createCookieBackend, createStoreBackend } from '../../session/backends.ts';
import { prefixedName } from '../../session/cookies.ts';
import { type SessionKeys, deriveSessionKeys } from '../../session/keys.ts';
import type { LoginStateCookies } from '../../session/login-state.ts';
import { revocationList } from '../../session/revocation.ts';
import { reportServerError } from '../../errors/server-errors.ts';
import type { RequestLike } from '../types.ts';
import type { LoginConfig } from './config.ts';
import { errorAnswer } from './responses.ts';
import { safeReturnTo } from './return-to.ts';

export interface LoginContext {
  readonly config: LoginConfig;
  readonly backend: SessionBackend;
  readonly keys: SessionKeys;
  readonly verifier: Pick<CognitoVerifier, 'verify'>;
  readonly oauth: OAuthClient;
  readonly loginCookies: LoginStateCookies;
  /** The error answer of a route (HTML or JSON), reported to the operator when it is a 5xx. */
  answerError(request: Request, error: unknown, setCookies?: readonly string[], loginPath?: string): Response;
  /** `{prefix}/login?returnTo=...` */
  loginPath(returnTo?: string): string;
  /** The Cookie header, refused with REQUEST_TOO_LARGE past the cap (before any parsing). */
  cookieHeader(value: string | null | undefined): string | undefined;
  /** A session error whose details carry the cookies to clear and where to sign in again. */
  sessionError(
    code: 'SESSION_EXPIRED' | 'REFRESH_FAILED',
    message: string,
    setCookies: readonly string[],
    request: RequestLike,
    cause?: unknown,
    oauthError?: string,
    ended?: boolean,
  ): CognitoAuthError<'SESSION_EXPIRED' | 'REFRESH_FAILED'>;
}

function createBackend(config: LoginConfig, keys: SessionKeys): SessionBackend {
  const { session, secure, cookieDomain, sameSite, lifetimes, random, now } = config;
  const cookieName = prefixedName(config.cookieBase, secure, cookieDomain);
  const attributes = { path: '/', domain: cookieDomain, secure, httpOnly: true, sameSite };
  return session.mode === 'cookie'
    ? createCookieBackend({
        cookieName,
        attributes,
        lifetimes,
        random,
        ring: keys.session,
        now,
        maxCookieHeaderBytes: config.maxCookieHeader,
        revocations: session.revocationStore ? revocationList(session.revocationStore) : undefined,
        origins: session.denylist,
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
        push: session.push !== false,
        origins: session.denylist,
      });
}

export function createLoginContext(config: LoginConfig): LoginContext {
  const { pool, prefix } = config;
  const keys = deriveSessionKeys(config.secrets);
  const verifier =
    config.verifier ??
    createCognitoVerifier({
      pools: pool,
      now: config.now,
      ...(config.fetch ? { fetch: config.fetch as typeof globalThis.fetch } : {}),
    });
  const oauth = createOAuthClient({ pool, fetch: config.fetch, timeoutMs: config.oauthTimeoutMs });
  const loginCookies: LoginStateCookies = {
    baseName: `${config.cookieBase}-login`,
    secure: config.secure,
    ring: keys.loginState,
    maxParallel: 5,
  };
  const loginPath = (returnTo?: string) => {
    const target = safeReturnTo(returnTo);
    return `${prefix}/login` + (target === '/' ? '' : `?returnTo=${encodeURIComponent(target)}`);
  };
  const ctx: LoginContext = {
    config,
    backend: createBackend(config, keys),
    keys,
    verifier,
    oauth,
    loginCookies,
    loginPath,
    answerError(request, error, setCookies, path) {
      const response = errorAnswer(request, error, setCookies, path, config.renderErrorPage);
      reportServerError(config.onServerError, response.status, error, request.method, request.url);
      return response;
    },
    cookieHeader(value) {
      if (value === null || value === undefined) return undefined;
      // A UTF-16 unit is at most 3 UTF-8 bytes: a short header needs no byte count.
      if (value.length * 3 > config.maxCookieHeader && Buffer.byteLength(value) > config.maxCookieHeader)
        throw new CognitoAuthError('REQUEST_TOO_LARGE', 'The Cookie header is too large');
      return value;
    },
    sessionError(code, message, setCookies, request, cause, oauthError, ended) {
      // `setCookies` clear the ended session; `loginPath` is where a page should send the browser.
      return new CognitoAuthError(code, message, {
        cause,
        details: {
          setCookies: [...setCookies],
          loginPath: loginPath(request.method === 'GET' ? request.url : undefined),
          ...(oauthError !== undefined ? { error: oauthError } : {}),
          ...(ended !== undefined ? { ended } : {}),
        },
      });
    },
  };
  return Object.freeze(ctx);
}
