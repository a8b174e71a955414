/**
 * What the library's routes answer for requests they do not serve: a wrong method on one of
 * their paths (405 `METHOD_NOT_ALLOWED` with `Allow`) and an unknown path under their common
 * prefix (404 `ROUTE_NOT_FOUND`), in the library's JSON shape. The adapters share these rules so
 * Express, Fastify and Web answer alike.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { RouteHandler } from './types.ts';

/**
 * The prefix whose unknown paths the library answers: `option` when it is a path, none when it
 * is `false`, else the parent folder the routes share (`/auth` for `/auth/login`, `/auth/me`),
 * none when that is the root.
 */
export function routesPrefix(
  routes: readonly RouteHandler[],
  option: string | false | undefined,
): string | undefined {
  if (option === false) return undefined;
  if (option !== undefined) {
    if (typeof option !== 'string' || !/^\/[^?#]*[^/?#]$/.test(option))
      throw new CognitoAuthError('CONFIG_INVALID', 'notFoundPrefix must be a path like /auth, or false');
    return option;
  }
  let shared: string[] | undefined;
  for (const route of routes) {
    const folders = route.path.split('/').slice(1, -1);
    if (shared === undefined) shared = folders;
    else {
      let i = 0;
      while (i < shared.length && i < folders.length && shared[i] === folders[i]) i++;
      shared = shared.slice(0, i);
    }
  }
  return shared === undefined || shared.length === 0 ? undefined : `/${shared.join('/')}`;
}

/** True when `path` is below `prefix` (the prefix itself included). */
export function isUnderPrefix(path: string, prefix: string | undefined): boolean {
  return prefix !== undefined && (path === prefix || path.startsWith(`${prefix}/`));
}

/** The methods each path of `routes` serves, by path. */
export function methodsByPath(routes: readonly RouteHandler[]): Map<string, string[]> {
  const byPath = new Map<string, string[]>();
  for (const route of routes) {
    const methods = byPath.get(route.path) ?? [];
    if (!methods.includes(route.method)) methods.push(route.method);
    byPath.set(route.path, methods);
  }
  return byPath;
}

/** Methods a path of the library answers 405 to: the common ones it does not serve (GET also covers HEAD). */
export function otherMethods(allowed: readonly string[]): string[] {
  const served = new Set(allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed);
  return ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !served.has(m));
}

export function methodNotAllowed(method: string, path: string, allowed: readonly string[]): CognitoAuthError {
  return new CognitoAuthError(
    'METHOD_NOT_ALLOWED',
    `${method} is not allowed on ${path}; use ${allowed.join(' or ')}`,
    { details: { allow: allowed.join(', ') } },
  );
}

export function routeNotFound(path: string, prefix: string): CognitoAuthError {
  return new CognitoAuthError('ROUTE_NOT_FOUND', `No route of this library at ${path} (under ${prefix})`);
}
