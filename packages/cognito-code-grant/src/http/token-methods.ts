/**
 * RFC 6750 section 3.1: a request that sends the token by more than one method (the
 * `Authorization` header, an `access_token` query parameter, an `access_token` form field) is
 * `400 invalid_request`. The library authenticates from the header only; a token in the query or
 * the body alone stays ignored (never accepted), but beside a header token it is refused, so
 * that no component in front of or behind the app can be made to read a different token.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { Principal } from '../principal/principal.ts';

const PARAM = 'access_token';
const FORM_TYPE = 'application/x-www-form-urlencoded';

/**
 * Set on the library's own session authenticator, which reads cookies only: an app whose
 * authenticators all carry it cannot receive a header token, so the Fastify plugin leaves out its
 * form check. A registered symbol, so that the ESM and CommonJS copies of the library agree.
 */
const READS_NO_HEADER_TOKEN = Symbol.for('cognito-code-grant.readsNoHeaderToken');

/** Marks `authenticator` (the library's session authenticator) as never reading `Authorization`. */
export function markReadsNoHeaderToken<T extends object>(authenticator: T): T {
  Object.defineProperty(authenticator, READS_NO_HEADER_TOKEN, { value: true });
  return authenticator;
}

/**
 * True when `authenticator` may find a token in the `Authorization` header: any but the library's
 * own session authenticator, whatever its declared kind (a custom one of kind `session` could
 * still return bearer principals).
 */
export function mayReadHeaderToken(authenticator: object): boolean {
  return (authenticator as { [READS_NO_HEADER_TOKEN]?: unknown })[READS_NO_HEADER_TOKEN] !== true;
}

export function multipleMethods(where: 'query' | 'body'): CognitoAuthError {
  return new CognitoAuthError(
    'TOKEN_MULTIPLE_METHODS',
    `The request sends a token in the Authorization header and in the ${where === 'query' ? 'query string' : 'form body'}`,
  );
}

/** True when the query of `url` (path and query) has an `access_token` parameter. */
export function queryHasAccessToken(url: string): boolean {
  // One native scan first: the parse runs only for URLs that mention the name at all, in clear
  // or percent-encoded (`access%5Ftoken` is the same parameter for every query parser).
  const q = url.indexOf('?');
  if (q < 0 || (url.indexOf(PARAM, q) < 0 && url.indexOf('%', q) < 0)) return false;
  const hash = url.indexOf('#', q);
  return new URLSearchParams(url.slice(q + 1, hash < 0 ? undefined : hash)).has(PARAM);
}

/** True when the request may carry an `access_token` form field beside the header token of `principal`. */
export function needsFormCheck(
  principal: Principal | null,
  method: string,
  contentType: string | null | undefined,
): boolean {
  return (
    principal !== null &&
    principal.source === 'bearer' &&
    method !== 'GET' &&
    method !== 'HEAD' &&
    typeof contentType === 'string' &&
    contentType.toLowerCase().startsWith(FORM_TYPE)
  );
}

/** True when a parsed form body (an object from a body parser, or the raw text) has `access_token`. */
export function formHasAccessToken(body: unknown): boolean {
  if (typeof body === 'string') return new URLSearchParams(body).has(PARAM);
  if (body instanceof URLSearchParams) return body.has(PARAM);
  return typeof body === 'object' && body !== null && Object.hasOwn(body, PARAM);
}
