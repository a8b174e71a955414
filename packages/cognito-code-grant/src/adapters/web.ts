/**
 * `cognito-code-grant/web`: for any runtime that speaks Web `Request`/`Response` (Node with a
 * small server, Deno, Bun, workers, Hono, Next.js route handlers...). Decisions are made by the
 * core (src/http/guards.ts); this module translates and nothing else.
 *
 * @example
 * const handler = withAuth((request, auth) => Response.json({ sub: auth?.sub }), { verifier, scopes: ['articles/read'] });
 * const response = (await routeRequest(routes, request)) ?? (await handler(request));
 */
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import { type AuthenticationOptions, authenticatorsFrom } from '../http/auth-options.ts';
import { errorResponse } from '../http/error-response.ts';
import { isUnderPrefix, methodNotAllowed, routeNotFound, routesPrefix } from '../http/route-fallbacks.ts';
import { formHasAccessToken, multipleMethods, needsFormCheck } from '../http/token-methods.ts';
import {
  logServerError,
  reportServerError,
  type ServerErrorListener,
  serverErrorListener,
} from '../errors/server-errors.ts';
import { type AuthMode, type RouteRequirements, resolveAuth, resolveRequirements } from '../http/guards.ts';
import { webRequestLike } from '../http/request-like.ts';
import type { AuthOutcome, Authenticator, RouteHandler } from '../http/types.ts';
import type { Principal } from '../principal/principal.ts';
import { readStreamCapped } from '../util/read-capped.ts';
import { bodyTooLarge, DEFAULT_MAX_BODY_BYTES } from './node-request.ts';
import { jsonResponse } from '../util/json-response.ts';

export type { AuthMode, RouteRequirements } from '../http/guards.ts';
export { webRequestLike } from '../http/request-like.ts';
export type { Principal } from '../principal/principal.ts';
export type { ServerErrorListener, ServerErrorRequest } from '../errors/server-errors.ts';

/** Largest form body read for the `access_token` check; a larger form with a bearer token is 413. */
const MAX_FORM_CHECK_BYTES = 1024 * 1024;

/**
 * RFC 6750 section 3.1: refuses a form body with an `access_token` field beside the header token.
 * Reads a copy of the body (the handler still gets it whole), and only for a bearer-authenticated
 * form POST.
 */
async function checkFormBody(request: Request, principal: Principal | null): Promise<void> {
  if (!needsFormCheck(principal, request.method, request.headers.get('content-type'))) return;
  const text = await readStreamCapped(request.clone().body, MAX_FORM_CHECK_BYTES);
  if (text === undefined) {
    throw new CognitoAuthError('REQUEST_TOO_LARGE', `The form body exceeds ${MAX_FORM_CHECK_BYTES} bytes`);
  }
  if (formHasAccessToken(text)) throw multipleMethods('body');
}

/**
 * Authenticates a Web Request. Resolves to `{ principal, setCookies }` (principal null when no
 * credentials were sent and `requirements` allow that, default `optional`); rejects with a
 * CognitoAuthError for bad credentials or unmet requirements.
 */
export async function authenticateRequest(
  request: Request,
  authenticators: readonly Authenticator[],
  requirements: AuthMode | RouteRequirements = 'optional',
): Promise<AuthOutcome> {
  const result = await resolveAuth(
    webRequestLike(request),
    authenticators,
    resolveRequirements(requirements),
  );
  if (!result.ok) throw result.error;
  await checkFormBody(request, result.principal);
  return { principal: result.principal, setCookies: result.setCookies };
}

/** The Response for an error: JSON `{ error, message }`, RFC 6750 `WWW-Authenticate`, 5xx without detail. */
export function errorToResponse(
  error: unknown,
  options: { realm?: string; setCookies?: readonly string[] } = {},
) {
  const answer = errorResponse(error, { realm: options.realm });
  const headers = new Headers(answer.headers);
  for (const cookie of options.setCookies ?? []) headers.append('set-cookie', cookie);
  return jsonResponse(answer.status, answer.body, headers);
}

/**
 * Reads a JSON request body of at most `maxBodyBytes` (default 1 MiB). Throws 413
 * `REQUEST_TOO_LARGE` naming the limit, or 400 `BAD_REQUEST` when the body is not JSON; both
 * answer in the library's shape through `withAuth` or `errorToResponse`.
 */
export async function readJson(request: Request, options: { maxBodyBytes?: number } = {}): Promise<unknown> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > max) throw bodyTooLarge(max);
  let text: string | undefined;
  try {
    text = await readStreamCapped(request.body, max);
  } catch (error) {
    // A body stream capped upstream (toWebRequest) errors with REQUEST_TOO_LARGE.
    if (isCognitoAuthError(error) && error.code === 'REQUEST_TOO_LARGE') throw bodyTooLarge(max, error);
    throw error;
  }
  if (text === undefined) throw bodyTooLarge(max);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new CognitoAuthError('BAD_REQUEST', 'The request body is not valid JSON', { cause });
  }
}

/** Adds `Set-Cookie` values, copying the Response when its headers are immutable (fetch, redirect). */
function withCookies(response: Response, cookies: readonly string[]): Response {
  if (cookies.length === 0) return response;
  const copy = new Response(response.body, response);
  for (const cookie of cookies) copy.headers.append('set-cookie', cookie);
  return copy;
}

export interface WithAuthOptions extends AuthenticationOptions, RouteRequirements {
  /** Default `required`. */
  mode?: AuthMode;
  /**
   * Called for each error answered with status 500 or more (the client sees only its code).
   * Default: one `console.error` line with the code, message and cause, never a token.
   */
  onServerError?: ServerErrorListener;
}

export type AuthedHandler = (request: Request, auth: Principal | null) => Response | Promise<Response>;

/**
 * Wraps a handler: authenticates per `options` (mode, groups, scopes, tokenUse), answers
 * refusals itself, and passes the principal on. CognitoAuthErrors the handler throws are
 * answered too; other errors propagate to the runtime.
 */
export function withAuth(
  handler: AuthedHandler,
  options: WithAuthOptions,
): (request: Request) => Promise<Response> {
  const authenticators = authenticatorsFrom(options);
  const requirements = resolveRequirements(options);
  const { realm } = options;
  const onServerError = serverErrorListener(options.onServerError, logServerError);
  const answer = (request: Request, error: unknown, setCookies: readonly string[]) => {
    const response = errorToResponse(error, { realm, setCookies });
    reportServerError(onServerError, response.status, error, request.method, request.url);
    return response;
  };
  return async function authed(request: Request): Promise<Response> {
    const result = await resolveAuth(webRequestLike(request), authenticators, requirements);
    if (!result.ok) return answer(request, result.error, result.setCookies);
    try {
      await checkFormBody(request, result.principal);
    } catch (error) {
      return answer(request, error, result.setCookies);
    }
    let response: Response;
    try {
      response = await handler(request, result.principal);
    } catch (error) {
      if (!isCognitoAuthError(error)) throw error;
      return answer(request, error, result.setCookies);
    }
    return withCookies(response, result.setCookies);
  };
}

/**
 * Serves `request` with the first route whose path matches: its Response; 405
 * `METHOD_NOT_ALLOWED` (with `Allow`) when the path matches but not the method; 404
 * `ROUTE_NOT_FOUND` for another path under the routes' prefix (`/auth` for the login routes;
 * `notFoundPrefix` sets it, `false` turns this off); else null (serve it yourself). Pass all
 * the library's routes in one call: a path under the prefix that only a later call serves would
 * get the 404.
 * Errors from a handler are answered as JSON (library errors with their code, others as 500).
 */
export async function routeRequest(
  routes: readonly RouteHandler[],
  request: Request,
  options: { readonly onServerError?: ServerErrorListener; readonly notFoundPrefix?: string | false } = {},
): Promise<Response | null> {
  const path = new URL(request.url).pathname;
  const allowed: string[] = [];
  for (const route of routes) {
    if (route.path !== path) continue;
    if (route.method === request.method || (route.method === 'GET' && request.method === 'HEAD')) {
      try {
        return await route.handle(request);
      } catch (error) {
        const response = errorToResponse(error);
        const listener = serverErrorListener(options.onServerError, logServerError);
        reportServerError(listener, response.status, error, request.method, request.url);
        return response;
      }
    }
    allowed.push(route.method);
  }
  if (allowed.length > 0) return errorToResponse(methodNotAllowed(request.method, path, allowed));
  const prefix = routesPrefix(routes, options.notFoundPrefix);
  if (isUnderPrefix(path, prefix)) return errorToResponse(routeNotFound(path, prefix!));
  return null;
}
