/**
 * The seam between the framework-free core and the adapters. Adapters translate their request
 * into a RequestLike (cheap: no body, no Web Request on the hot path) and call Authenticators;
 * browser routes (login, callback, logout, ...) are Web Request -> Response handlers.
 */
import type { Principal } from '../principal/principal.ts';

export interface RequestLike {
  readonly method: string;
  /** Path and query, e.g. `/api/articles?page=2`. */
  readonly url: string;
  /** Header lookup by lower-case name; repeated headers joined with ", " (cookies with "; "). */
  header(name: string): string | undefined;
}

export interface AuthOutcome {
  /** Null when this authenticator found no credentials of its kind (let the next one try). */
  readonly principal: Principal | null;
  /** `Set-Cookie` values the adapter must add to the response (a refreshed session, say). */
  readonly setCookies: readonly string[];
}

/**
 * Finds a principal in a request. Returns `{ principal: null }` when its kind of credential is
 * absent; throws a CognitoAuthError when one is present but bad (expired, forged, ...).
 */
export interface Authenticator {
  /**
   * `bearer` for any authenticator that finds a token in the `Authorization` header (whose
   * principals have `source: 'bearer'`). A second token beside it (RFC 6750 section 3.1) is
   * refused in the form body by the adapters, for any principal of source `bearer`, and in the
   * query string by the library's bearer authenticator only (one of your own must check the query
   * itself). The Fastify plugin leaves its form check out only when every
   * authenticator is the library's own session authenticator, whatever the kinds say.
   */
  readonly kind: 'bearer' | 'session';
  authenticate(request: RequestLike): Promise<AuthOutcome>;
  /**
   * Optional fast path: the same outcome without a promise when no I/O is needed, else
   * undefined (the caller then awaits `authenticate`). Throws as `authenticate` rejects.
   */
  authenticateSync?(request: RequestLike): AuthOutcome | undefined;
}

/** A browser or webhook route served by the core, mounted by an adapter under its `path`. */
export interface RouteHandler {
  readonly method: 'GET' | 'POST';
  /** Absolute path, e.g. `/auth/login`. */
  readonly path: string;
  handle(request: Request): Promise<Response>;
}
