/**
 * The options of `createCognitoLogin()` and the object it returns (public types only; the
 * validation lives in config.ts).
 */
import type { PoolConfig } from '../../config/pool.ts';
import type { CognitoVerifier } from '../../jwt/verifier.ts';
import type { FetchLike } from '../../oauth/client.ts';
import type { RandomBytes } from '../../util/random.ts';
import type { PrincipalHook } from '../../principal/principal.ts';
import type { SameSite } from '../../session/cookies.ts';
import type { RevocationStore } from '../../session/revocation.ts';
import type { SessionOrigins } from '../../session/session-origin.ts';
import type { SessionStore } from '../../session/store.ts';
import type { HeaderSource } from '../request-like.ts';
import type { ServerErrorListener } from '../../errors/server-errors.ts';
import type { Authenticator, RouteHandler } from '../types.ts';
import type { ErrorPageRenderer } from './responses.ts';

export type { HeaderSource } from '../request-like.ts';

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
      /**
       * The origin deny-list (`createOriginDenylist`): every session this app ends puts the
       * `origin_jti` of its tokens there, and verifiers given the same list refuse them.
       */
      readonly denylist?: SessionOrigins | undefined;
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
      /**
       * Use the store's push channel when it has one (Redis with `push: true`, PostgreSQL with
       * `listen`, the memory store). Default true: a served session is then kept in memory and
       * dropped when the channel announces its logout or refresh; while the channel is down
       * every request reads the store.
       */
      readonly push?: boolean | undefined;
      /**
       * The origin deny-list (`createOriginDenylist`): every session this app ends puts the
       * `origin_jti` of its tokens there, and verifiers given the same list refuse them.
       */
      readonly denylist?: SessionOrigins | undefined;
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
  /**
   * Renders the HTML error pages of the login routes (a refused callback, a failed CSRF check,
   * Cognito unreachable) in the app's look: `(page) => html` or `{ html, headers }`. `page`
   * holds plain text (`status`, `code`, `title`, `message`, `loginPath`): escape it. JSON answers
   * (`Accept: application/json`) are unchanged. Default: the library's plain page.
   */
  readonly renderErrorPage?: ErrorPageRenderer | undefined;
  readonly fetch?: FetchLike | undefined;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: (() => number) | undefined;
  readonly randomBytes?: RandomBytes | undefined;
  /** Timeout of token, refresh and revoke calls: an integer from 1 to 600 000 ms. Default 10 000 ms. */
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
