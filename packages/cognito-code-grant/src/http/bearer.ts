/**
 * Bearer-token authentication (RFC 6750 section 2.1): reads the `Authorization` header only,
 * never a query string or a form body, and turns a verified Cognito token into a Principal.
 * A header token beside an `access_token` query parameter is refused (RFC 6750 section 3.1,
 * token-methods.ts; adapters check the form body, which this module never reads).
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { VerifiedToken } from '../jwt/verifier.ts';
import { principalFromToken } from '../principal/from-claims.ts';
import type { Principal, PrincipalHook } from '../principal/principal.ts';
import { multipleMethods, queryHasAccessToken } from './token-methods.ts';
import type { AuthOutcome, Authenticator, RequestLike } from './types.ts';

/** Which `token_use` a bearer token may have. `any` accepts ID tokens too: an explicit opt-in. */
export type BearerTokenUse = 'access' | 'id' | 'any';

/** The slice of the verifier (src/jwt/verifier.ts) this module needs. */
export interface BearerTokenVerifier {
  verify(token: string, options?: { tokenUse?: BearerTokenUse; clientId?: string }): Promise<VerifiedToken>;
  /** A cached result for exactly this token, or undefined (the verifier's fast path; optional). */
  verifyCached?(
    token: string,
    options?: { tokenUse?: BearerTokenUse; clientId?: string },
  ): VerifiedToken | undefined;
}

export interface BearerAuthenticatorOptions {
  verifier: BearerTokenVerifier;
  /** Default `access`: an ID token is refused unless the app opts in with `id` or `any`. */
  tokenUse?: BearerTokenUse;
  /** Only accept tokens issued to this app client (one of the pool's configured clients). */
  clientId?: string;
  /** Runs after verification (the replica's seam) with trigger `bearer`. */
  hook?: PrincipalHook;
  /** Cap on the `Authorization` header, in bytes. Default 16 KiB. */
  maxHeaderBytes?: number;
}

/** Per-call context a guard may pass to override the token use a route expects. */
export interface BearerAuthenticateContext {
  readonly tokenUse?: BearerTokenUse | undefined;
}

export interface BearerAuthenticator extends Authenticator {
  readonly kind: 'bearer';
  readonly tokenUse: BearerTokenUse;
  authenticate(request: RequestLike, context?: BearerAuthenticateContext): Promise<AuthOutcome>;
  /**
   * The outcome without a promise when it needs no I/O (no credentials, or a reused token the
   * verifier has cached and no hook), else undefined: call `authenticate`. Throws as it does.
   */
  authenticateSync(request: RequestLike, context?: BearerAuthenticateContext): AuthOutcome | undefined;
}

const DEFAULT_MAX_HEADER_BYTES = 16 * 1024;
const TOKEN_USES: readonly string[] = ['access', 'id', 'any'];
const SPACE = 32;
const NO_COOKIES: readonly string[] = Object.freeze([]);
const ANONYMOUS: AuthOutcome = Object.freeze({ principal: null, setCookies: NO_COOKIES });

/** True when the auth scheme (the first word) is `Bearer`, in any case. */
function isBearerScheme(value: string): boolean {
  if (value.length < 6) return false;
  if (value.length > 6) {
    const next = value.charCodeAt(6);
    if (next !== 32 && next !== 9) return false;
  }
  // ASCII case folding without allocating (`| 0x20` lower-cases a letter and only a letter's
  // upper-case form maps onto it): the same answer as `slice(0, 6).toLowerCase() === 'bearer'`.
  return (
    (value.charCodeAt(0) | 0x20) === 0x62 && // b
    (value.charCodeAt(1) | 0x20) === 0x65 && // e
    (value.charCodeAt(2) | 0x20) === 0x61 && // a
    (value.charCodeAt(3) | 0x20) === 0x72 && // r
    (value.charCodeAt(4) | 0x20) === 0x65 && // e
    (value.charCodeAt(5) | 0x20) === 0x72 // r
  );
}

/**
 * Extracts the token from an `Authorization` header value. Returns null when the header is
 * absent or uses another scheme (`Basic`, ...): those are not bearer credentials. Throws
 * `TOKEN_TOO_LARGE` over the cap and `TOKEN_MALFORMED` for a `Bearer` header that is not
 * `Bearer` + spaces + exactly one token (characters outside b64token are left to the verifier,
 * whose JWT grammar refuses them).
 */
export function parseBearerHeader(
  value: string | undefined,
  maxHeaderBytes: number = DEFAULT_MAX_HEADER_BYTES,
): string | null {
  if (value === undefined || value === '') return null;
  // Node keeps header values as latin1 strings, so length is the byte count.
  if (value.length > maxHeaderBytes) {
    throw new CognitoAuthError('TOKEN_TOO_LARGE', `The Authorization header exceeds ${maxHeaderBytes} bytes`);
  }
  if (!isBearerScheme(value)) {
    // A bare JWT (the Amplify tutorials' `Authorization: <idToken>`) is a credential sent the
    // wrong way: say so, rather than treating the request as anonymous.
    if (looksLikeBareJwt(value)) {
      throw new CognitoAuthError(
        'TOKEN_MALFORMED',
        'The Authorization header has no scheme: send "Authorization: Bearer <token>"',
      );
    }
    return null;
  }
  // `Bearer`, one or more spaces, exactly one token. Only the structure is checked here, with
  // native scans (a regex over a 1 KB token costs microseconds on the hot path): the verifier's
  // strict JWT grammar (base64url segments) is a subset of RFC 6750's b64token and refuses
  // every other character with TOKEN_MALFORMED.
  const start = tokenStart(value);
  if (start < 0) return malformed();
  const token = value.slice(start);
  if (token.indexOf(' ') !== -1 || token.indexOf('\t') !== -1 || token.indexOf(',') !== -1)
    return malformed();
  return token;
}

/** Where the token starts after `Bearer` and its spaces; -1 when nothing follows them. */
function tokenStart(value: string): number {
  const length = value.length;
  let start = 6;
  while (start < length && value.charCodeAt(start) === SPACE) start++;
  return start === 6 || start === length ? -1 : start;
}

/**
 * The token of a `Bearer` header to look up among verified tokens (the cache), without
 * `parseBearerHeader`'s scans for a space, tab or comma: no verified token holds one, so such a
 * token is a miss, and a miss is parsed in full on the way to verification. Null for anything
 * `parseBearerHeader` would not simply return a token for (it then answers instead).
 */
function bearerTokenToLookUp(value: string, maxHeaderBytes: number): string | null {
  if (value.length > maxHeaderBytes || !isBearerScheme(value)) return null;
  const start = tokenStart(value);
  return start < 0 ? null : value.slice(start);
}

/** `eyJ...` with two dots and no space: a JWT without its `Bearer ` scheme. */
function looksLikeBareJwt(value: string): boolean {
  if (!value.startsWith('eyJ') || value.indexOf(' ') !== -1) return false;
  const first = value.indexOf('.');
  return first !== -1 && value.indexOf('.', first + 1) !== -1;
}

function malformed(): never {
  throw new CognitoAuthError('TOKEN_MALFORMED', 'The Authorization header is not "Bearer <token>"');
}

/**
 * Creates the bearer Authenticator. Config is validated here, once.
 *
 * @example
 * const bearer = createBearerAuthenticator({ verifier: createCognitoVerifier({ pools }) });
 */
export function createBearerAuthenticator(options: BearerAuthenticatorOptions): BearerAuthenticator {
  if (typeof options !== 'object' || options === null) {
    throw new CognitoAuthError('CONFIG_INVALID', 'bearer authenticator options must be an object');
  }
  const { verifier, clientId, hook } = options;
  if (typeof verifier?.verify !== 'function') {
    throw new CognitoAuthError('CONFIG_INVALID', 'verifier must be a verifier (createCognitoVerifier)');
  }
  const tokenUse = options.tokenUse ?? 'access';
  if (!TOKEN_USES.includes(tokenUse)) {
    throw new CognitoAuthError('CONFIG_INVALID', 'tokenUse must be "access", "id" or "any"');
  }
  if (clientId !== undefined && (typeof clientId !== 'string' || clientId === '')) {
    throw new CognitoAuthError('CONFIG_INVALID', 'clientId must be a non-empty string when set');
  }
  if (hook !== undefined && typeof hook !== 'function') {
    throw new CognitoAuthError('CONFIG_INVALID', 'hook must be a function');
  }
  const maxHeaderBytes = options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES;
  if (!Number.isInteger(maxHeaderBytes) || maxHeaderBytes < 64) {
    throw new CognitoAuthError('CONFIG_INVALID', 'maxHeaderBytes must be an integer >= 64');
  }
  // Built once: the hot path allocates no option objects.
  const verifyOptions: Record<BearerTokenUse, { tokenUse: BearerTokenUse; clientId?: string }> = {
    access: clientId === undefined ? { tokenUse: 'access' } : { tokenUse: 'access', clientId },
    id: clientId === undefined ? { tokenUse: 'id' } : { tokenUse: 'id', clientId },
    any: clientId === undefined ? { tokenUse: 'any' } : { tokenUse: 'any', clientId },
  };
  const hookContext = Object.freeze({ trigger: 'bearer' as const });

  /** The header's token (null when none), refusing a second method in the query. */
  function tokenOf(request: RequestLike): string | null {
    const token = parseBearerHeader(request.header('authorization'), maxHeaderBytes);
    if (token !== null && queryHasAccessToken(request.url)) throw multipleMethods('query');
    return token;
  }

  async function authenticate(
    request: RequestLike,
    context?: BearerAuthenticateContext,
  ): Promise<AuthOutcome> {
    const token = tokenOf(request);
    if (token === null) return ANONYMOUS;
    const verified = await verifier.verify(token, verifyOptions[context?.tokenUse ?? tokenUse]);
    let principal: Principal = principalFromToken(verified, 'bearer');
    if (hook !== undefined) principal = await hook(principal, hookContext);
    return { principal, setCookies: NO_COOKIES };
  }

  const verifyCached = verifier.verifyCached?.bind(verifier);
  function authenticateSync(
    request: RequestLike,
    context?: BearerAuthenticateContext,
  ): AuthOutcome | undefined {
    // A hook may do I/O (the replica): only the promise path runs it (after the same parse).
    if (hook !== undefined || verifyCached === undefined)
      return tokenOf(request) === null ? ANONYMOUS : undefined;
    const header = request.header('authorization');
    const token = header === undefined ? null : bearerTokenToLookUp(header, maxHeaderBytes);
    // Anything but a plain `Bearer <token>`, or a token in the query too: the full parse answers
    // (anonymous, or its error), as `authenticate` would.
    if (token === null || queryHasAccessToken(request.url))
      return tokenOf(request) === null ? ANONYMOUS : undefined;
    // Looked up without the full parse's scans: only verified tokens are cached, and none holds a
    // space, tab or comma, so such a token is a miss, parsed in full by `authenticate`.
    const verified = verifyCached(token, verifyOptions[context?.tokenUse ?? tokenUse]);
    if (verified === undefined) return undefined;
    return { principal: principalFromToken(verified, 'bearer'), setCookies: NO_COOKIES };
  }

  return Object.freeze({ kind: 'bearer' as const, tokenUse, authenticate, authenticateSync });
}
