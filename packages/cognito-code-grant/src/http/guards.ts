/**
 * The decision logic every adapter shares: given the authenticators and a route's requirements,
 * find the principal or the error to answer with. Adapters only translate requests and answers.
 */
import { CognitoAuthError, isCognitoAuthError } from '../errors/errors.ts';
import type { Principal } from '../principal/principal.ts';
import { checkGroups, checkScopes } from '../principal/require.ts';
import type { BearerAuthenticateContext, BearerTokenUse } from './bearer.ts';
import type { AuthOutcome, Authenticator, RequestLike } from './types.ts';

/** `public`: never authenticates; `optional`: a principal if credentials are sent (bad ones are
 * refused); `required`: credentials must be sent and valid. */
export type AuthMode = 'public' | 'optional' | 'required';

export interface RouteRequirements {
  /** Default `required` (or as the adapter is configured). */
  mode?: AuthMode;
  /** Any one of these groups (exact code points). Implies `required`. */
  groups?: readonly string[];
  /** All of these scopes. Implies `required`. */
  scopes?: readonly string[];
  /** Overrides the bearer authenticator's `tokenUse` for this route (`id`/`any` opt in to ID tokens). */
  tokenUse?: BearerTokenUse;
}

/** Requirements validated and frozen once, when the route is defined. */
export interface ResolvedRequirements {
  readonly mode: AuthMode;
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
  readonly context: BearerAuthenticateContext;
}

export type AuthResult =
  | { readonly ok: true; readonly principal: Principal | null; readonly setCookies: readonly string[] }
  | { readonly ok: false; readonly error: unknown; readonly setCookies: readonly string[] };

const MODES: readonly string[] = ['public', 'optional', 'required'];
const TOKEN_USES: readonly string[] = ['access', 'id', 'any'];
const NONE: readonly string[] = Object.freeze([]);
const PUBLIC: AuthResult = Object.freeze({ ok: true, principal: null, setCookies: NONE });

function invalid(message: string): never {
  throw new CognitoAuthError('CONFIG_INVALID', message);
}

function nameList(option: string, value: unknown): readonly string[] {
  if (value === undefined) return NONE;
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    invalid(`${option} must be an array of non-empty strings`);
  }
  return Object.freeze([...value]);
}

/**
 * Validates route requirements (a mode name or an object) once. Throws `CONFIG_INVALID` naming
 * the option; `groups`/`scopes` with an explicit `public` or `optional` mode is a contradiction.
 */
export function resolveRequirements(
  requirements: AuthMode | RouteRequirements | undefined,
  defaultMode: AuthMode = 'required',
): ResolvedRequirements {
  const r: RouteRequirements =
    typeof requirements === 'string' ? { mode: requirements } : (requirements ?? {});
  if (typeof r !== 'object' || r === null) invalid('auth requirements must be a mode or an object');
  if (r.mode !== undefined && !MODES.includes(r.mode))
    invalid('mode must be "public", "optional" or "required"');
  if (r.tokenUse !== undefined && !TOKEN_USES.includes(r.tokenUse)) {
    invalid('tokenUse must be "access", "id" or "any"');
  }
  const groups = nameList('groups', r.groups);
  const scopes = nameList('scopes', r.scopes);
  const needsPrincipal = groups.length > 0 || scopes.length > 0;
  if (needsPrincipal && r.mode !== undefined && r.mode !== 'required') {
    invalid(`groups and scopes need mode "required", not "${r.mode}"`);
  }
  const mode = needsPrincipal ? 'required' : (r.mode ?? defaultMode);
  return Object.freeze({ mode, groups, scopes, context: Object.freeze({ tokenUse: r.tokenUse }) });
}

/** The error for a request without credentials on a route that needs them. */
function missingCredentials(authenticators: readonly Authenticator[]): CognitoAuthError {
  return authenticators.length > 0 && authenticators.every((a) => a.kind === 'bearer')
    ? new CognitoAuthError('TOKEN_MISSING', 'This resource requires a bearer token')
    : new CognitoAuthError('AUTH_REQUIRED', 'This resource requires authentication');
}

/**
 * Checks a principal (or its absence) against resolved requirements. Throws `TOKEN_MISSING` /
 * `AUTH_REQUIRED`, `GROUP_REQUIRED`, or `SCOPE_REQUIRED` (with the scopes in `details.scopes`).
 */
export function authorize(
  principal: Principal | null,
  requirements: ResolvedRequirements,
  authenticators: readonly Authenticator[] = [],
): Principal | null {
  if (principal === null) {
    if (requirements.mode === 'required') throw missingCredentials(authenticators);
    return null;
  }
  if (requirements.groups.length > 0) checkGroups(principal, requirements.groups);
  if (requirements.scopes.length > 0) {
    try {
      checkScopes(principal, requirements.scopes);
    } catch (error) {
      // The challenge names the scopes the route needs (RFC 6750 section 3, `scope`).
      if (
        isCognitoAuthError(error) &&
        error.code === 'SCOPE_REQUIRED' &&
        error.details?.scopes === undefined
      ) {
        throw new CognitoAuthError('SCOPE_REQUIRED', error.message, {
          cause: error,
          details: { scopes: [...requirements.scopes] },
        });
      }
      throw error;
    }
  }
  return principal;
}

type AuthenticateSync = (r: RequestLike, c: BearerAuthenticateContext) => AuthOutcome | undefined;

/**
 * `resolveAuth` without a promise, when every authenticator it has to ask can answer
 * synchronously (a reused bearer token the verifier has cached, or no credentials); undefined
 * otherwise: then call `resolveAuth`. Saves a reused token the promise chain of the full path.
 */
export function resolveAuthSync(
  request: RequestLike,
  authenticators: readonly Authenticator[],
  requirements: ResolvedRequirements,
): AuthResult | undefined {
  if (requirements.mode === 'public') return PUBLIC;
  try {
    let principal: Principal | null = null;
    for (let i = 0; i < authenticators.length; i++) {
      const a = authenticators[i]!;
      const sync = a.authenticateSync as AuthenticateSync | undefined;
      if (sync === undefined) return undefined;
      const outcome = sync.call(a, request, requirements.context);
      // Cookies (a refreshed session) are the async path's business.
      if (outcome === undefined || outcome.setCookies.length > 0) return undefined;
      if (outcome.principal !== null) {
        principal = outcome.principal;
        break;
      }
    }
    return { ok: true, principal: authorize(principal, requirements, authenticators), setCookies: NONE };
  } catch (error) {
    if (sessionEnded(error)) return undefined;
    return { ok: false, error, setCookies: NONE };
  }
}

/**
 * Runs the authenticators in order until one finds a principal, then `authorize`s it.
 * Never throws: the result carries either the principal or the error, plus every `Set-Cookie`
 * value the authenticators produced (a refreshed or cleared session must reach the browser
 * even when the request is refused).
 */
export async function resolveAuth(
  request: RequestLike,
  authenticators: readonly Authenticator[],
  requirements: ResolvedRequirements,
): Promise<AuthResult> {
  if (requirements.mode === 'public') return PUBLIC;
  let setCookies = NONE;
  try {
    let principal: Principal | null = null;
    for (let i = 0; i < authenticators.length; i++) {
      const a = authenticators[i]!;
      // Authenticators that take no context ignore the second argument.
      const outcome: AuthOutcome = await (
        a.authenticate as (r: RequestLike, c: BearerAuthenticateContext) => Promise<AuthOutcome>
      ).call(a, request, requirements.context);
      if (outcome.setCookies.length > 0) setCookies = setCookies.concat(outcome.setCookies);
      if (outcome.principal !== null) {
        principal = outcome.principal;
        break;
      }
    }
    return { ok: true, principal: authorize(principal, requirements, authenticators), setCookies };
  } catch (error) {
    // A session that ended (expired, refresh refused) carries the cookies that clear it.
    const ended = sessionEnded(error);
    if (ended) {
      setCookies = setCookies.concat(ended);
      // On an optional-auth route (a page that also serves signed-out visitors) an ended
      // session simply means "signed out"; required routes answer 401.
      if (requirements.mode === 'optional') return { ok: true, principal: null, setCookies };
    }
    return { ok: false, error, setCookies };
  }
}

/** The `Set-Cookie` values of a SESSION_EXPIRED / REFRESH_FAILED error, or undefined. */
function sessionEnded(error: unknown): readonly string[] | undefined {
  if (!isCognitoAuthError(error)) return undefined;
  switch (error.code) {
    case 'SESSION_EXPIRED':
      return error.details?.setCookies ?? NONE;
    case 'REFRESH_FAILED':
      // A temporary failure of the token endpoint did not end the session: not "signed out".
      return error.details?.ended === false ? undefined : (error.details?.setCookies ?? NONE);
    default:
      return undefined;
  }
}
