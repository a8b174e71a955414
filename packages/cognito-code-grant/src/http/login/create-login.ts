/**
 * `createCognitoLogin()`: browser sign-in with the authorization-code grant. Returns the routes
 * (login, callback, logout, me) as Web Request -> Response handlers, and a session Authenticator
 * that adapters run on every request (refreshing tokens that expire, at most once per session).
 *
 * The composition root of the login wing: config.ts checks the options, context.ts builds what
 * the parts share, refresher.ts and authenticator.ts run sessions, one file per route.
 */
import { parseCookies } from '../../session/cookies.ts';
import { csrfTokenFor, csrfTokenMatches } from '../../session/csrf.ts';
import { type HeaderSource, cookieHeaderOf } from '../request-like.ts';
import type { RouteHandler } from '../types.ts';
import { createSessionAuthenticator } from './authenticator.ts';
import { createCallbackRoute } from './callback-route.ts';
import { resolveLoginConfig } from './config.ts';
import { createLoginContext } from './context.ts';
import { createLoginRoute } from './login-route.ts';
import { createLogoutRoute } from './logout-route.ts';
import { createMeRoute } from './me-route.ts';
import type { CognitoLogin, CognitoLoginOptions } from './options.ts';
import { createRefresher } from './refresher.ts';
import { createStateReplayGuard } from './state-replay.ts';

export type { CognitoLogin, CognitoLoginOptions, HeaderSource, SessionOptions } from './options.ts';

/** Creates the login routes and the session authenticator. Throws `CONFIG_INVALID` on bad options. */
export function createCognitoLogin(options: CognitoLoginOptions): CognitoLogin {
  const config = resolveLoginConfig(options);
  const ctx = createLoginContext(config);
  const { prefix } = config;
  const sessions = createSessionAuthenticator(ctx, createRefresher(ctx));

  /** The session id named by the request's cookie; none for an oversized Cookie header. */
  function sessionIdOf(request: HeaderSource): string | undefined {
    const header = cookieHeaderOf(request);
    if (header !== undefined && Buffer.byteLength(header) > config.maxCookieHeader) return undefined;
    return ctx.backend.sessionId(parseCookies(header));
  }

  const routes: RouteHandler[] = [
    { method: 'GET', path: `${prefix}/login`, handle: createLoginRoute(ctx) },
    {
      method: 'GET',
      path: `${prefix}/callback`,
      handle: createCallbackRoute(ctx, createStateReplayGuard(config.now)),
    },
    { method: 'POST', path: `${prefix}/logout`, handle: createLogoutRoute(ctx) },
    { method: 'GET', path: `${prefix}/me`, handle: createMeRoute(ctx, sessions) },
  ];

  return Object.freeze({
    routes: Object.freeze(routes),
    authenticator: sessions.authenticator,
    prefix,
    mode: ctx.backend.mode,
    loginPath: ctx.loginPath,
    csrfToken(request: HeaderSource): string | null {
      const sid = sessionIdOf(request);
      return sid === undefined ? null : csrfTokenFor(ctx.keys.csrf, sid);
    },
    verifyCsrf(request: HeaderSource, token: string | undefined): boolean {
      const sid = sessionIdOf(request);
      return sid !== undefined && csrfTokenMatches(ctx.keys.csrf, sid, token);
    },
  });
}
