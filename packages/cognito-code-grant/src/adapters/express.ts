/**
 * `cognito-code-grant/express`: Express 5 middleware. Decisions are made by the core
 * (src/http/guards.ts); this module translates `req`/`res` and nothing else.
 *
 * @example
 * app.use(cognitoAuth({ verifier, mode: 'optional' }));     // sets req.auth (Principal | null)
 * app.get('/articles', requireAuth(), list);
 * app.post('/articles', requireScope('articles/write'), create);
 * app.get('/admin', requireGroup('admins'), admin);
 * app.get('/me', cognitoAuth({ verifier, tokenUse: 'id' }), me); // an ID-token route, opted in
 * mountRoutes(app, routes);                                  // browser routes (login, callback, ...)
 * app.use(errorHandler());                                   // CognitoAuthErrors thrown by your routes
 */
import type { IncomingMessage } from 'node:http';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { isCognitoAuthError } from '../errors/errors.ts';
import { type AuthenticationOptions, authenticatorsFrom } from '../http/auth-options.ts';
import { errorResponse } from '../http/error-response.ts';
import { methodNotAllowed, methodsByPath, routeNotFound, routesPrefix } from '../http/route-fallbacks.ts';
import { formHasAccessToken, multipleMethods, needsFormCheck } from '../http/token-methods.ts';
import {
  logServerError,
  pathOf,
  reportServerError,
  type ServerErrorListener,
  serverErrorListener,
} from '../errors/server-errors.ts';
import {
  type AuthMode,
  authorize,
  type RouteRequirements,
  type AuthResult,
  resolveAuth,
  resolveAuthSync,
  resolveRequirements,
} from '../http/guards.ts';
import type { RouteHandler } from '../http/types.ts';
import type { Principal } from '../principal/principal.ts';
import {
  bodyParserError,
  bodyTooLarge,
  DEFAULT_MAX_BODY_BYTES,
  nodeRequestLike,
  sendJson,
  sendWebResponse,
  toWebRequest,
  webHeaders,
  type WebRequestOptions,
} from './node-request.ts';

declare global {
  namespace Express {
    interface Request {
      /** Set by `cognitoAuth()`: the principal, or null when unauthenticated. */
      auth?: Principal | null;
    }
  }
}

export type { AuthMode, RouteRequirements } from '../http/guards.ts';
export type { Principal } from '../principal/principal.ts';
export type { ServerErrorListener, ServerErrorRequest } from '../errors/server-errors.ts';

export interface CognitoAuthOptions extends AuthenticationOptions, RouteRequirements, ExpressErrorOptions {
  /** Default `required`. Use `optional` for an app-wide middleware followed by `requireAuth()`. */
  mode?: AuthMode;
}

/** Options for the route-level helpers and `errorHandler()`. */
export interface ExpressErrorOptions {
  /** `realm` of the `WWW-Authenticate` challenges. Default `api`. */
  realm?: string;
  /**
   * Called for each error answered with status 500 or more (the client sees only its code).
   * Default: one `console.error` line with the code, message and cause, never a token.
   */
  onServerError?: ServerErrorListener;
}

function sendError(req: Request, res: Response, error: unknown, options: ExpressErrorOptions) {
  const answer = errorResponse(error, { realm: options.realm });
  reportServerError(
    options.onServerError ?? logServerError,
    answer.status,
    error,
    req.method,
    req.originalUrl,
  );
  sendJson(res, answer.status, answer.headers, answer.body);
}

/**
 * Authenticates each request and sets `req.auth`. Bad credentials, missing ones on a `required`
 * route, and missing groups or scopes are answered here (401/403 JSON with `WWW-Authenticate`),
 * without reaching the app's error handler. `Set-Cookie` values from authenticators are added.
 */
export function cognitoAuth(options: CognitoAuthOptions): RequestHandler {
  const authenticators = authenticatorsFrom(options);
  const requirements = resolveRequirements(options);
  serverErrorListener(options.onServerError, undefined); // validated now, not at the first failure
  /** Applies an auth result: sets `req.auth` and continues, or answers the refusal. */
  function settle(req: Request, res: Response, next: NextFunction, result: AuthResult): void {
    if (result.setCookies.length > 0) res.append('set-cookie', [...result.setCookies]);
    if (!result.ok) {
      sendError(req, res, result.error, options);
      return;
    }
    // A form field is seen only when a body parser ran before this middleware.
    if (
      needsFormCheck(result.principal, req.method, req.headers['content-type']) &&
      formHasAccessToken(req.body)
    ) {
      sendError(req, res, multipleMethods('body'), options);
      return;
    }
    req.auth = result.principal;
    next();
  }
  return function cognitoAuthMiddleware(req, res, next) {
    if (requirements.mode === 'public') {
      req.auth = null;
      next();
      return;
    }
    const request = nodeRequestLike(req.method, req.originalUrl, req.headers);
    // A reused token (cached) is answered without a promise, and without a closure.
    const sync = resolveAuthSync(request, authenticators, requirements);
    if (sync !== undefined) settle(req, res, next, sync);
    else
      resolveAuth(request, authenticators, requirements).then(
        (result) => settle(req, res, next, result),
        next,
      );
  };
}

function requirementMiddleware(
  requirements: RouteRequirements,
  options: ExpressErrorOptions,
): RequestHandler {
  const resolved = resolveRequirements(requirements);
  return function cognitoRequirement(req, res, next) {
    try {
      authorize(req.auth ?? null, resolved);
      next();
    } catch (error) {
      sendError(req, res, error, options);
    }
  };
}

/** 401 `AUTH_REQUIRED` unless `cognitoAuth()` found a principal. */
export function requireAuth(options: ExpressErrorOptions = {}): RequestHandler {
  return requirementMiddleware({ mode: 'required' }, options);
}

/** 403 `GROUP_REQUIRED` unless the principal is in at least one of `groups` (401 when anonymous). */
export function requireGroup(...groups: string[]): RequestHandler {
  return requirementMiddleware({ groups }, {});
}

/** 403 `SCOPE_REQUIRED` (`insufficient_scope`) unless the principal has every one of `scopes`. */
export function requireScope(...scopes: string[]): RequestHandler {
  return requirementMiddleware({ scopes }, {});
}

/**
 * Answers CognitoAuthErrors thrown by your routes (`next(err)` or a rejected async handler)
 * with the documented status, header and JSON body, and body-parser refusals in the same shape
 * (413 `REQUEST_TOO_LARGE` naming the limit, 400 `BAD_REQUEST` for malformed JSON); passes
 * any other error on.
 */
export function errorHandler(options: ExpressErrorOptions = {}): ErrorRequestHandler {
  serverErrorListener(options.onServerError, undefined);
  return function cognitoErrorHandler(error, req, res, next) {
    const answered = isCognitoAuthError(error) ? error : bodyParserError(error);
    if (answered === undefined || res.headersSent) {
      next(error);
      return;
    }
    sendError(req, res, answered, options);
  };
}

export interface MountRoutesOptions extends WebRequestOptions, ExpressErrorOptions {
  /**
   * Other paths under this prefix get 404 `ROUTE_NOT_FOUND` (JSON). Default: the folder the
   * routes share (`/auth` for the login routes). `false` leaves unknown paths to the app (mount
   * your own routes under the prefix before `mountRoutes` otherwise: Express matches in order).
   */
  notFoundPrefix?: string | false;
}

/** Anything with Express's routing methods: an `express()` app or an `express.Router()`. */
export interface ExpressRouterLike {
  get(path: string, ...handlers: RequestHandler[]): unknown;
  post(path: string, ...handlers: RequestHandler[]): unknown;
  /** For 405 answers on the routes' paths (present on apps and routers). */
  all?(path: string, ...handlers: RequestHandler[]): unknown;
  /** For 404 answers under the routes' prefix (present on apps and routers). */
  use?(path: string, ...handlers: RequestHandler[]): unknown;
}

/** The body a body parser (express.json/urlencoded/text/raw) already consumed, re-encoded. */
function consumedBody(req: Request): string | Uint8Array<ArrayBuffer> | undefined {
  const body: unknown = req.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return new Uint8Array(body);
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(body as Record<string, string>).toString();
  }
  return JSON.stringify(body);
}

function webRequestFor(req: Request, options: MountRoutesOptions) {
  const incoming = req as unknown as IncomingMessage;
  if (!incoming.readableEnded || req.method === 'GET' || req.method === 'HEAD') {
    return toWebRequest(incoming, req.originalUrl, options);
  }
  // A body parser ran first: rebuild the body from what it parsed, under the same cap.
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const body = consumedBody(req);
  const size = body === undefined ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
  if (size > max || Number(req.headers['content-length'] ?? 0) > max) {
    throw bodyTooLarge(max);
  }
  const headers = webHeaders(req.headers);
  headers.delete('content-length');
  const url = new URL(req.originalUrl, options.origin ?? 'http://localhost');
  return {
    request: new Request(url, { method: req.method, headers, body: body ?? null }),
    tooLarge: () => false,
  };
}

/**
 * Mounts core RouteHandlers (Web Request -> Response) on an app or router. The request body is
 * streamed to the handler and capped (`maxBodyBytes`, 413 `REQUEST_TOO_LARGE`); every
 * `Set-Cookie` of the Response is kept.
 */
export function mountRoutes(
  target: ExpressRouterLike,
  routes: readonly RouteHandler[],
  options: MountRoutesOptions = {},
): void {
  serverErrorListener(options.onServerError, undefined);
  for (const route of routes) {
    const handler: RequestHandler = (req, res) => {
      let translated: ReturnType<typeof webRequestFor> | undefined;
      const run = async () => {
        translated = webRequestFor(req, options);
        const response = await route.handle(translated.request);
        await sendWebResponse(res, response);
      };
      run().catch((error: unknown) => {
        if (res.headersSent) {
          res.destroy();
          return;
        }
        const refused = translated?.tooLarge() ? bodyTooLarge(options.maxBodyBytes, error) : error;
        sendError(req, res, refused, options);
      });
    };
    if (route.method === 'GET') target.get(route.path, handler);
    else target.post(route.path, handler);
  }
  // Registered after the routes, so they only see what the routes did not serve.
  for (const [path, allowed] of methodsByPath(routes)) {
    target.all?.(path, (req, res) =>
      sendError(req, res, methodNotAllowed(req.method, path, allowed), options),
    );
  }
  // Paths of every mount on this target: a later mountRoutes (the events route mounted on its
  // own, say) is served although an earlier mount's 404 handler covers its prefix.
  let known = mountedPaths.get(target);
  if (known === undefined) {
    known = new Set();
    mountedPaths.set(target, known);
  }
  for (const route of routes) known.add(route.path);
  const paths = known;
  const prefix = routesPrefix(routes, options.notFoundPrefix);
  if (prefix !== undefined) {
    target.use?.(prefix, (req, res, next) => {
      const path = pathOf(req.originalUrl);
      if (paths.has(path)) return next();
      sendError(req, res, routeNotFound(path, prefix), options);
    });
  }
}

/** The library's route paths mounted on each app or router (see mountRoutes). */
const mountedPaths = new WeakMap<object, Set<string>>();
