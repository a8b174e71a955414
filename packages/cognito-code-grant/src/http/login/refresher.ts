/**
 * The refresher: renews a session's tokens when its access token is about to expire. Single
 * flight per session in this process (concurrent requests share one refresh) and across
 * processes (store mode: a lease in the store; the others wait for its result). In cookie mode
 * a refresh's result is kept for requests that still carry the old cookie: a refresh run in the
 * background hands its new tokens to the session's next request.
 */
import { CognitoAuthError, hasErrorCode, isCognitoAuthError } from '../../errors/errors.ts';
import { isPermanentRefreshFailure } from '../../oauth/client.ts';
import { atHashMatches, grantsOpenId } from '../../oauth/token-binding.ts';
import { randomToken } from '../../util/random.ts';
import { refreshedPrincipal, sessionPrincipal } from '../../principal/session-principal.ts';
import type { Cookies } from '../../session/backends.ts';
import type { SessionState } from '../../session/session-data.ts';
import { channels, codeOf } from '../../observability/channels.ts';
import { reportServerError } from '../../errors/server-errors.ts';
import type { RequestLike } from '../types.ts';
import type { LoginContext } from './context.ts';
import { endSession } from './session-end.ts';

export type RefreshResult = { state: SessionState; setCookies: string[] };

export interface Refresher {
  /** True while the access token is valid beyond the refresh margin. */
  fresh(state: SessionState): boolean;
  /** Refreshes `state` once per session, whoever asks; throws SESSION_EXPIRED / REFRESH_FAILED. */
  refreshOnce(state: SessionState, cookies: Cookies, request: RequestLike): Promise<RefreshResult>;
  /**
   * Starts the refresh (single flight, lease) without waiting for it: for a session whose access
   * token still works. Its failures end the session or pause retries as `refreshOnce` would.
   */
  refreshInBackground(state: SessionState, cookies: Cookies, request: RequestLike): void;
  /**
   * Whether a session whose access token still works may go on while its refresh runs. Store
   * mode: always (the result lands in the store). Cookie mode: while this process has not seen
   * Cognito rotate a refresh token, since the new tokens reach the browser only with a later
   * answer of this process; a rotated refresh token lost that way would end the session.
   */
  mayRefreshInBackground(): boolean;
  /** Cookie mode: the finished refresh of the tokens `state` carries, for its cookie; else undefined. */
  finished(state: SessionState): RefreshResult | undefined;
}

const RECENT_MS = 60_000;
const RETRY_PAUSE_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * The token endpoint's temporary failures reported to the operator, by cause: once per cause
 * while it lasts (not once per request); `clear()` after a refresh succeeded.
 */
function outageReporter(listener: LoginContext['config']['onServerError']) {
  const outages = new Set<string>();
  const report = (error: unknown, request: RequestLike): void => {
    const status = hasErrorCode(error, 'REFRESH_FAILED') ? error.details?.status : undefined;
    const cause = `${isCognitoAuthError(error) ? error.code : 'unknown'}:${status ?? 'no answer'}`;
    if (outages.has(cause) || outages.size > 100) return;
    outages.add(cause);
    reportServerError(listener, 502, error, request.method, request.url);
  };
  return Object.assign(report, { clear: () => outages.clear() });
}

type Recent = Map<string, { from: string; until: number; result: RefreshResult }>;

/**
 * Keeps a cookie-mode refresh's result (bounded) for requests with the old cookie, until a minute
 * after the old access token expires: a refresh run in the background while that token still
 * worked may reach the browser only with the session's next request.
 */
function remember(
  recent: Recent,
  t: number,
  sid: string,
  entry: { from: string; fromExpiresAt: number; result: RefreshResult },
): void {
  for (const [k, v] of recent) if (v.until <= t) recent.delete(k);
  while (recent.size >= MAX_ENTRIES) {
    const first = recent.keys().next().value;
    if (first === undefined) break;
    recent.delete(first);
  }
  const until = Math.max(t, entry.fromExpiresAt * 1000) + RECENT_MS;
  recent.set(sid, { from: entry.from, result: entry.result, until });
}

/** New tokens from Cognito, verified and checked to belong to the session's user. */
async function renewedState(
  ctx: LoginContext,
  state: SessionState,
  refreshToken: string,
): Promise<SessionState> {
  const { oauth, verifier, config } = ctx;
  const { pool, now } = config;
  const tokens = await oauth.refresh(refreshToken);
  const access = await verifier.verify(tokens.accessToken, { tokenUse: 'access', clientId: pool.clientId });
  const id = tokens.idToken
    ? await verifier.verify(tokens.idToken, { tokenUse: 'id', clientId: pool.clientId })
    : undefined;
  if (access.claims.sub !== state.principal.sub || (id && id.claims.sub !== state.principal.sub)) {
    throw new CognitoAuthError('REFRESH_FAILED', 'The refreshed tokens belong to another user', {
      details: { error: 'invalid_grant' },
    });
  }
  // The same binding as at the callback: tokens that do not belong together end the session.
  if ((id && !atHashMatches(id.claims.at_hash, tokens.accessToken)) || !grantsOpenId(tokens.scope)) {
    throw new CognitoAuthError('REFRESH_FAILED', 'The refreshed tokens do not belong together', {
      details: { error: 'invalid_grant' },
    });
  }
  return {
    ...state,
    principal: id
      ? sessionPrincipal(id, access, state.principal)
      : refreshedPrincipal(state.principal, access),
    accessToken: tokens.accessToken,
    // Without refresh-token rotation Cognito returns none: keep the old one.
    refreshToken: tokens.refreshToken ?? state.refreshToken,
    accessExpiresAt: access.claims.exp,
    seenAt: now(),
  };
}

/** Single flight across processes: the store's lease, or waiting for its holder's result. */
async function refreshAcrossProcesses(
  ctx: LoginContext,
  fresh: (state: SessionState) => boolean,
  performRefresh: (state: SessionState, cookies: Cookies, request: RequestLike) => Promise<RefreshResult>,
  state: SessionState,
  cookies: Cookies,
  request: RequestLike,
): Promise<RefreshResult> {
  const { backend, config } = ctx;
  const { leaseMs, pollMs, random } = config;
  const lease = backend.lease;
  if (!lease) return performRefresh(state, cookies, request);
  const ended = () =>
    ctx.sessionError('SESSION_EXPIRED', 'The session has ended', backend.clear(cookies), request);
  const owner = randomToken(random, 16);
  const rounds = Math.ceil(leaseMs / pollMs) + 1;
  for (let i = 0; i <= rounds; i++) {
    if (await lease.acquire(state.sid, owner, leaseMs)) {
      try {
        // Another process may have refreshed between our read and the lease.
        const current = await backend.read(cookies, { revalidate: true });
        if (!current) throw ended();
        if (fresh(current.state)) return { state: current.state, setCookies: [] };
        return await performRefresh(current.state, cookies, request);
      } finally {
        await lease.release(state.sid, owner).catch(() => undefined);
      }
    }
    // Someone else holds the lease: wait for their result.
    await new Promise((resolve) => setTimeout(resolve, pollMs));
    const current = await backend.read(cookies, { revalidate: true });
    if (!current) throw ended();
    if (fresh(current.state)) return { state: current.state, setCookies: [] };
  }
  throw ctx.sessionError(
    'REFRESH_FAILED',
    'Timed out waiting for another process to refresh the session',
    [],
    request,
    undefined,
    undefined,
    false,
  );
}

export function createRefresher(ctx: LoginContext): Refresher {
  const { backend, oauth, config } = ctx;
  const { now, marginMs } = config;
  // One refresh per session in this process; the store's lease covers other processes.
  const inflight = new Map<string, Promise<RefreshResult>>();
  // Cookie mode: requests that left the browser before the refreshed cookie arrived still carry
  // the old tokens. The result of a refresh is kept briefly (bounded) and handed to them.
  const recent: Recent = new Map();
  // Sessions whose refresh failed transiently while their token was still valid: no new
  // attempt before the pause ends (bounded; entries are dropped when they expire).
  const retryAfter = new Map<string, number>();

  const fresh = (s: SessionState) => s.accessExpiresAt * 1000 - marginMs > now();

  // Cookie mode: set once Cognito answered a refresh with a new refresh token (rotation).
  let rotationSeen = false;

  const reportOutage = outageReporter(config.onServerError);

  const rememberRefresh = (from: SessionState, result: RefreshResult) =>
    remember(recent, now(), from.sid, {
      from: from.accessToken,
      fromExpiresAt: from.accessExpiresAt,
      result,
    });

  function finished(state: SessionState): RefreshResult | undefined {
    if (backend.mode !== 'cookie') return undefined;
    const done = recent.get(state.sid);
    return done && done.until > now() && done.from === state.accessToken && fresh(done.result.state)
      ? done.result
      : undefined;
  }

  /** `refreshTokens`, published on the refresh channel when someone listens. */
  function performRefresh(
    state: SessionState,
    cookies: Cookies,
    request: RequestLike,
  ): Promise<RefreshResult> {
    if (!channels.refresh.hasSubscribers) return refreshTokens(state, cookies, request);
    const started = now();
    const sub = state.principal.sub;
    return refreshTokens(state, cookies, request).then(
      (result) => {
        const outcome = result.state === state ? 'deferred' : 'success';
        channels.refresh.publish({ outcome, sub, durationMs: now() - started });
        return result;
      },
      (error: unknown) => {
        channels.refresh.publish({
          outcome: 'failure',
          sub,
          code: codeOf(error),
          durationMs: now() - started,
        });
        throw error;
      },
    );
  }

  async function refreshTokens(
    state: SessionState,
    cookies: Cookies,
    request: RequestLike,
  ): Promise<RefreshResult> {
    if (state.refreshToken === undefined) {
      const { setCookies } = await endSession(ctx, state, cookies, 'expired');
      throw ctx.sessionError(
        'SESSION_EXPIRED',
        'The session has no refresh token and its access token expired',
        setCookies,
        request,
      );
    }
    let next: SessionState;
    try {
      next = await renewedState(ctx, state, state.refreshToken);
    } catch (error) {
      const stillValid = state.accessExpiresAt * 1000 > now();
      const permanent =
        isPermanentRefreshFailure(error) || (isCognitoAuthError(error) && error.code.startsWith('TOKEN_'));
      if (!permanent) reportOutage(error, request);
      if (!permanent && stillValid) {
        // A blip while the token still works: serve it, and retry only after a pause.
        retryAfter.set(state.sid, now() + RETRY_PAUSE_MS);
        return { state, setCookies: [] };
      }
      const setCookies = permanent
        ? (await endSession(ctx, state, cookies, 'refresh-refused')).setCookies
        : [];
      throw ctx.sessionError(
        'REFRESH_FAILED',
        permanent ? 'The session could not be refreshed and has ended' : 'The session could not be refreshed',
        setCookies,
        request,
        error,
        hasErrorCode(error, 'REFRESH_FAILED') ? error.details?.error : undefined,
        permanent,
      );
    }
    reportOutage.clear();
    if (next.refreshToken !== state.refreshToken) rotationSeen = true;
    let setCookies: string[];
    try {
      setCookies = await backend.save(next, cookies, now());
    } catch (error) {
      // Logged out while the refresh waited on Cognito: the new tokens are dropped.
      if (hasErrorCode(error, 'SESSION_EXPIRED'))
        throw ctx.sessionError('SESSION_EXPIRED', 'The session has ended', backend.clear(cookies), request);
      // The refreshed tokens no longer fit in a cookie: end the session (the browser signs in
      // again and gets the same answer at the callback) rather than refresh again on every
      // request; the operator hears of it.
      if (hasErrorCode(error, 'SESSION_TOO_LARGE')) {
        reportServerError(config.onServerError, 500, error, request.method, request.url);
        if (next.refreshToken !== undefined) await oauth.revoke(next.refreshToken).catch(() => undefined);
        const ended = await endSession(ctx, state, cookies, 'too-large');
        throw ctx.sessionError('SESSION_EXPIRED', 'The session has ended', ended.setCookies, request);
      }
      throw error;
    }
    return { state: next, setCookies };
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
    if (retryAfter.size > MAX_ENTRIES) retryAfter.clear();
    const done = finished(state);
    if (done) return Promise.resolve(done);
    const p = refreshAcrossProcesses(ctx, fresh, performRefresh, state, cookies, request)
      .then((result) => {
        if (backend.mode === 'cookie' && result.state !== state) rememberRefresh(state, result);
        return result;
      })
      .finally(() => inflight.delete(state.sid));
    inflight.set(state.sid, p);
    return p;
  }

  function refreshInBackground(state: SessionState, cookies: Cookies, request: RequestLike): void {
    // Nothing to report here: a refused refresh has ended the session (the next request sees
    // no session) and a temporary failure was reported by refreshTokens.
    refreshOnce(state, cookies, { method: request.method, url: request.url, header: () => undefined }).catch(
      () => undefined,
    );
  }

  const mayRefreshInBackground = () => backend.mode === 'store' || !rotationSeen;

  return { fresh, refreshOnce, refreshInBackground, mayRefreshInBackground, finished };
}
