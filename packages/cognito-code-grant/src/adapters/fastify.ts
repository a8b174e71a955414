/**
 * `cognito-code-grant/fastify`: a Fastify 5 plugin. Decisions are made by the core
 * (src/http/guards.ts); this module translates requests and replies and nothing else.
 *
 * Each route states what it needs in its `config.auth` (a mode or an object); routes without it
 * get the plugin's `defaultMode` (`required` unless set), so a route is public only when it
 * says so. One `onRequest` hook on the root context guards every route of the app, whatever
 * the registration order; each route's requirements are validated when the route is added and
 * resolved once. Fastify's 404 handler is left alone.
 *
 * @example
 * await app.register(cognito, { verifier, defaultMode: 'optional' });
 * app.get('/articles', handler);                                   // request.auth: Principal | null
 * app.get('/drafts', { config: { auth: 'required' } }, handler);
 * app.get('/admin', { config: { auth: { groups: ['admins'] } } }, handler);
 * app.post('/articles', { config: { auth: { scopes: ['articles/write'] } } }, handler);
 * app.get('/me', { config: { auth: { tokenUse: 'id' } } }, handler); // an ID-token route, opted in
 * app.register(cognitoRoutes, { routes });                           // browser routes (login, ...)
 * app.setErrorHandler(cognitoErrorHandler);                          // CognitoAuthErrors from your routes
 */
import type {
  FastifyError,
  FastifyInstance,
  FastifyPluginCallback,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import fp from 'fastify-plugin';
import { type CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import { type AuthenticationOptions, authenticatorsFrom } from '../http/auth-options.ts';
import { errorResponse } from '../http/error-response.ts';
import {
  formHasAccessToken,
  mayReadHeaderToken,
  multipleMethods,
  needsFormCheck,
} from '../http/token-methods.ts';
import {
  methodNotAllowed,
  methodsByPath,
  otherMethods,
  routeNotFound,
  routesPrefix,
} from '../http/route-fallbacks.ts';
import {
  describeServerError,
  logServerError,
  pathOf,
  reportServerError,
  type ServerErrorListener,
  serverErrorListener,
} from '../errors/server-errors.ts';
import {
  type AuthMode,
  type ResolvedRequirements,
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
  nodeRequestLike,
  type TranslatedRequest,
  toWebRequest,
  type WebRequestOptions,
} from './node-request.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The principal, or null on public routes and anonymous optional-auth requests. */
    auth: Principal | null;
  }
  interface FastifyContextConfig {
    /** What this route needs: `public`, `optional`, `required`, or `{ mode?, groups?, scopes?, tokenUse? }`. */
    auth?: AuthMode | RouteRequirements;
  }
}

export type { AuthMode, RouteRequirements } from '../http/guards.ts';
export type { Principal } from '../principal/principal.ts';
export type { ServerErrorListener, ServerErrorRequest } from '../errors/server-errors.ts';

export interface CognitoFastifyOptions extends AuthenticationOptions {
  /** Mode of routes without `config.auth`. Default `required`: a route is public only when it says so. */
  defaultMode?: AuthMode;
  /** Core RouteHandlers to mount (same as registering `cognitoRoutes`). */
  routes?: readonly RouteHandler[];
  /** Options for mounted routes. */
  origin?: string;
  maxBodyBytes?: number;
  /** As in `cognitoRoutes`: unknown paths under the routes' prefix get 404 `ROUTE_NOT_FOUND`. */
  notFoundPrefix?: string | false;
  /**
   * Called for each error answered with status 500 or more (the client sees only its code).
   * Default: `request.log.error` with the code, message and cause, never a token.
   */
  onServerError?: ServerErrorListener;
}

/** True when the app configured a Fastify logger (its level may be `silent`: that is a choice). */
function hasLogger(request: FastifyRequest): boolean {
  return typeof (request.log as { level?: unknown }).level === 'string';
}

/**
 * Fastify's request logger when the app has one; without any logger (Fastify's default), one
 * `console.error` line instead, so a 500 is never silent. Either, never both.
 */
function fastifyLog(request: FastifyRequest): ServerErrorListener {
  return (error, req) => {
    if (!hasLogger(request)) return logServerError(error, req);
    request.log.error(`cognito-code-grant: ${req.method} ${req.path}: ${describeServerError(error)}`);
  };
}

function replyError(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  realm: string | undefined,
  onServerError: ServerErrorListener | undefined,
): FastifyReply {
  const answer = errorResponse(error, { realm });
  reportServerError(onServerError ?? fastifyLog(request), answer.status, error, request.method, request.url);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}

/** The `done` callback of Fastify's callback-style hooks. */
type HookNext = (error?: Error) => void;

const cognitoPlugin: FastifyPluginCallback<CognitoFastifyOptions> = (fastify, options, done) => {
  const authenticators = authenticatorsFrom(options);
  const defaultMode = options.defaultMode ?? 'required';
  resolveRequirements(defaultMode); // validates the option now, not at the first route
  const { realm } = options;
  const onServerError = serverErrorListener(options.onServerError, undefined);
  // Requirements per route, resolved on the route's first request (keyed by its config object).
  const byRoute = new WeakMap<object, ResolvedRequirements>();

  /** Applies an auth result: sets `request.auth` and continues, or answers the refusal. */
  function settle(request: FastifyRequest, reply: FastifyReply, next: HookNext, result: AuthResult): void {
    if (result.setCookies.length > 0) reply.header('set-cookie', [...result.setCookies]);
    if (result.ok) {
      request.auth = result.principal;
      next();
    } else {
      // Answered here; not calling next() ends the request (Fastify hook contract).
      replyError(request, reply, result.error, realm, onServerError);
    }
  }

  fastify.decorateRequest('auth', null);
  // Fail at startup, not at the first request, for routes added after the plugin.
  fastify.addHook('onRoute', (route) => {
    resolveRequirements(route.config?.auth, defaultMode);
  });
  // One root-level hook: it also covers routes declared before the plugin finished loading
  // (`app.register(cognito); app.get(...)` without await), which an onRoute-only design misses.
  fastify.addHook('onRequest', (request, reply, next) => {
    const config = request.routeOptions.config as object & {
      url?: string;
      auth?: AuthMode | RouteRequirements;
    };
    // Fastify's 404 handler: nothing to protect, let it answer 404.
    if (config.url === undefined) return next();
    let requirements = byRoute.get(config);
    if (requirements === undefined) {
      try {
        requirements = resolveRequirements(config.auth, defaultMode);
      } catch (error) {
        return next(error as Error);
      }
      byRoute.set(config, requirements);
    }
    if (requirements.mode === 'public') return next();
    const like = nodeRequestLike(request.method, request.url, request.headers);
    // A reused token (cached) is answered without a promise, and without a closure.
    const sync = resolveAuthSync(like, authenticators, requirements);
    if (sync !== undefined) return settle(request, reply, next, sync);
    resolveAuth(like, authenticators, requirements).then(
      (result) => settle(request, reply, next, result),
      (error: Error) => next(error),
    );
  });
  // The body is parsed after onRequest: an `access_token` form field beside the header token
  // (RFC 6750 section 3.1) is refused once it is. The hook is left out (each Fastify hook costs
  // every request) only when every authenticator is the library's own session one, which reads
  // cookies only; a custom one, whatever its kind, might find a header token.
  if (authenticators.some(mayReadHeaderToken)) {
    fastify.addHook('preValidation', function refuseFormToken(request, reply, next) {
      if (
        needsFormCheck(request.auth, request.method, request.headers['content-type']) &&
        formHasAccessToken(request.body)
      ) {
        replyError(request, reply, multipleMethods('body'), realm, onServerError);
        return;
      }
      next();
    });
  }
  if (options.routes !== undefined) {
    const { routes, origin, maxBodyBytes, notFoundPrefix } = options;
    fastify.register(cognitoRoutes, { routes, origin, maxBodyBytes, realm, onServerError, notFoundPrefix });
  }
  done();
};

/** The plugin: `app.register(cognito, options)`. */
export const cognito = fp(cognitoPlugin, { name: 'cognito-code-grant', fastify: '5.x' });
export default cognito;

export interface CognitoRoutesOptions extends WebRequestOptions {
  routes: readonly RouteHandler[];
  realm?: string | undefined;
  /** As in the plugin's options. */
  onServerError?: ServerErrorListener | undefined;
  origin?: string;
  maxBodyBytes?: number;
  /**
   * Other paths under this prefix get 404 `ROUTE_NOT_FOUND` (JSON); the app's own routes there
   * still win (Fastify prefers static paths). Default: the folder the routes share (`/auth`
   * for the login routes); `false` turns it off.
   */
  notFoundPrefix?: string | false | undefined;
}

/**
 * An encapsulated plugin mounting core RouteHandlers (Web Request -> Response). Its own
 * content-type parsing is switched off, so the handler receives the raw body stream (capped by
 * `maxBodyBytes`) whatever JSON/form parsers the app registers elsewhere. Routes are `public`
 * for the auth hook: they do their own checks (state, CSRF, ...).
 */
export const cognitoRoutes: FastifyPluginCallback<CognitoRoutesOptions> = (instance, options, done) => {
  serverErrorListener(options.onServerError, undefined);
  instance.removeAllContentTypeParsers();
  // Leave the body unread: the handler streams it from request.raw.
  instance.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null, undefined));
  const webOptions: WebRequestOptions = {};
  if (options.origin !== undefined) webOptions.origin = options.origin;
  if (options.maxBodyBytes !== undefined) webOptions.maxBodyBytes = options.maxBodyBytes;
  for (const route of options.routes) {
    instance.route({
      method: route.method,
      url: route.path,
      config: { auth: 'public' },
      handler: async (request: FastifyRequest, reply: FastifyReply) => {
        let translated: TranslatedRequest | undefined;
        try {
          translated = toWebRequest(request.raw, request.url, webOptions);
          const response = await route.handle(translated.request);
          reply.code(response.status);
          response.headers.forEach((value, name) => {
            if (name !== 'set-cookie') reply.header(name, value);
          });
          const cookies = response.headers.getSetCookie();
          if (cookies.length > 0) reply.header('set-cookie', cookies);
          // Handler responses are small (redirects, pages, JSON): buffering keeps errors simple.
          return reply.send(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
        } catch (error) {
          const refused = translated?.tooLarge() ? bodyTooLarge(options.maxBodyBytes, error) : error;
          // An unread, oversized body must not be drained for keep-alive: close the connection.
          if (translated?.tooLarge()) reply.header('connection', 'close');
          return replyError(request, reply, refused, options.realm, options.onServerError);
        }
      },
    });
  }
  // What the routes do not serve, answered in the library's shape rather than Fastify's 404.
  const refuse = (request: FastifyRequest, reply: FastifyReply, error: CognitoAuthError) =>
    replyError(request, reply, error, options.realm, options.onServerError);
  for (const [path, allowed] of methodsByPath(options.routes)) {
    instance.route({
      method: otherMethods(allowed),
      url: path,
      config: { auth: 'public' },
      handler: async (request, reply) =>
        refuse(request, reply, methodNotAllowed(request.method, path, allowed)),
    });
  }
  const prefix = routesPrefix(options.routes, options.notFoundPrefix);
  // One wildcard per prefix and server: a second cognitoRoutes under the same prefix (the events
  // route registered on its own, say) would otherwise be a duplicate route. Its static routes
  // win over the wildcard.
  let wildcards = notFoundRoutes.get(instance.server);
  if (wildcards === undefined) {
    wildcards = new Set();
    notFoundRoutes.set(instance.server, wildcards);
  }
  const wildcard = `${instance.prefix}${prefix}/*`;
  if (prefix !== undefined && !wildcards.has(wildcard)) {
    wildcards.add(wildcard);
    instance.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      url: `${prefix}/*`,
      config: { auth: 'public' },
      handler: async (request, reply) => refuse(request, reply, routeNotFound(pathOf(request.url), prefix)),
    });
  }
  done();
};

/** The 404 wildcards registered per server (see cognitoRoutes). */
const notFoundRoutes = new WeakMap<object, Set<string>>();

/**
 * For `app.setErrorHandler(cognitoErrorHandler)`: answers CognitoAuthErrors thrown by routes
 * with the documented status, header and body; body-parser refusals in the same shape (413
 * `REQUEST_TOO_LARGE` naming the limit, 400 `BAD_REQUEST` for malformed JSON); other client
 * errors from Fastify itself (validation, 4xx `statusCode`) keep Fastify's answer; anything else is logged and answered with a generic
 * 500 that carries nothing from the error (Fastify's default would echo its message).
 */
export function cognitoErrorHandler(
  this: FastifyInstance,
  error: FastifyError | Error,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  if (isCognitoAuthError(error)) return replyError(request, reply, error, undefined, undefined);
  const parser = bodyParserError(error, request.routeOptions.bodyLimit);
  if (parser !== undefined) return replyError(request, reply, parser, undefined, undefined);
  const status = (error as Partial<FastifyError>).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return reply.send(error);
  if (hasLogger(request)) request.log.error({ err: error }, 'unhandled error');
  else logServerError(error, { method: request.method, path: pathOf(request.url) });
  const answer = errorResponse(error, {});
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
}
