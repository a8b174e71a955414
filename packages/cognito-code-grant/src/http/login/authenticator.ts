/**
 * The session authenticator: finds the request's session, ends it past its lifetime, refreshes
 * its tokens when they are about to expire (through the refresher), extends its rolling
 * lifetime, and runs the principal hook. Adapters call it on every request.
 */
import type { Principal } from '../../principal/principal.ts';
import type { Cookies } from '../../session/backends.ts';
import { parseCookies } from '../../session/cookies.ts';
import { type SessionState, needsTouch, sessionExpiresAt } from '../../session/session-data.ts';
import { markReadsNoHeaderToken } from '../token-methods.ts';
import type { AuthOutcome, Authenticator, RequestLike } from '../types.ts';
import type { LoginContext } from './context.ts';
import type { Refresher } from './refresher.ts';
import { endSession } from './session-end.ts';

export interface ResolvedSession {
  readonly state: SessionState | undefined;
  readonly principal: Principal | null;
  readonly setCookies: string[];
}

export interface SessionAuthenticator {
  /** The session of a request with its state (for the `me` route); throws session errors. */
  resolve(request: RequestLike): Promise<ResolvedSession>;
  /** Kind `session`, for the adapters. */
  readonly authenticator: Authenticator;
}

const NO_COOKIES: readonly string[] = Object.freeze([]);
const NO_SESSION: AuthOutcome = Object.freeze({ principal: null, setCookies: NO_COOKIES });

export function createSessionAuthenticator(ctx: LoginContext, refresher: Refresher): SessionAuthenticator {
  const { backend, config } = ctx;
  const { now, lifetimes, hook } = config;
  const cookieName = backend.cookieName;

  /** The request's cookies when it carries this backend's session cookie; undefined otherwise. */
  function sessionCookies(request: RequestLike): Cookies | undefined {
    const header = ctx.cookieHeader(request.header('cookie'));
    // A cheap test before parsing: most requests of a mixed app carry no session at all.
    if (header === undefined || !header.includes(cookieName)) return undefined;
    const cookies = parseCookies(header);
    return backend.present(cookies) ? cookies : undefined;
  }

  async function resolve(request: RequestLike): Promise<ResolvedSession> {
    const cookies = sessionCookies(request);
    if (cookies === undefined) return { state: undefined, principal: null, setCookies: [] };
    const read = await backend.read(cookies);
    if (!read) return { state: undefined, principal: null, setCookies: backend.clear(cookies) };
    let state = read.state;
    const t = now();
    if (t >= sessionExpiresAt(state, lifetimes)) {
      const { setCookies } = await endSession(ctx, state, cookies, 'expired');
      throw ctx.sessionError('SESSION_EXPIRED', 'The session has expired', setCookies, request);
    }
    let setCookies: string[] = [];
    if (!refresher.fresh(state)) {
      const done = refresher.finished(state);
      if (done) {
        // Cookie mode: a refresh of these tokens has finished; this answer carries its cookie.
        state = done.state;
        setCookies = done.setCookies;
      } else if (state.accessExpiresAt * 1000 > t && refresher.mayRefreshInBackground()) {
        // The token still works: the request goes on with it while the refresh runs (its result
        // lands in the store, or reaches the browser with the session's next request).
        refresher.refreshInBackground(state, cookies, request);
      } else {
        const result = await refresher.refreshOnce(state, cookies, request);
        state = result.state;
        setCookies = result.setCookies;
      }
    } else if (read.rewrite || needsTouch(state, lifetimes, t)) {
      state = { ...state, seenAt: t };
      setCookies = await backend.extend(state, cookies, t);
    }
    let principal = state.principal;
    if (hook) principal = await hook(principal, { trigger: 'session' });
    return { state, principal, setCookies };
  }

  /**
   * `resolve` without a promise for the common request: a session the backend can answer from
   * memory (`readSync`), fresh, not due for a touch, and no hook (it may do I/O). Anything else,
   * undefined: the caller awaits `authenticate`, which decides it.
   */
  function authenticateSync(request: RequestLike): AuthOutcome | undefined {
    if (hook !== undefined || backend.readSync === undefined) return undefined;
    const cookies = sessionCookies(request);
    if (cookies === undefined) return NO_SESSION;
    const read = backend.readSync(cookies);
    if (read === undefined || read.rewrite) return undefined;
    const { state } = read;
    const t = now();
    if (t >= sessionExpiresAt(state, lifetimes) || !refresher.fresh(state) || needsTouch(state, lifetimes, t))
      return undefined;
    return { principal: state.principal, setCookies: NO_COOKIES };
  }

  const authenticator: Authenticator = markReadsNoHeaderToken({
    kind: 'session',
    async authenticate(request: RequestLike): Promise<AuthOutcome> {
      const { principal, setCookies } = await resolve(request);
      return { principal, setCookies };
    },
    authenticateSync,
  });
  return { resolve, authenticator };
}
