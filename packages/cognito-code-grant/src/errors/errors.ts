/**
 * One error class with a closed set of string codes. Branch on `code` (or `isCognitoAuthError`),
 * never on `instanceof` alone: an app that loads both the ESM and the CJS build has two copies
 * of the class. Every code is documented in docs/errors.md; a test keeps the two in step.
 */

/** Every code this library throws, with the HTTP status an adapter answers with. */
export const ERROR_STATUS = {
  // configuration (thrown at construction, never per request)
  CONFIG_INVALID: 500,

  // bearer tokens (RFC 6750: 401 + WWW-Authenticate: Bearer error="invalid_token")
  TOKEN_MISSING: 401,
  TOKEN_MALFORMED: 401,
  TOKEN_TOO_LARGE: 401,
  TOKEN_ALG_UNSUPPORTED: 401,
  TOKEN_HEADER_UNSUPPORTED: 401,
  TOKEN_KID_UNKNOWN: 401,
  TOKEN_SIGNATURE_INVALID: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_NOT_YET_VALID: 401,
  TOKEN_ISSUER_INVALID: 401,
  TOKEN_USE_INVALID: 401,
  TOKEN_CLIENT_INVALID: 401,
  TOKEN_CLAIM_INVALID: 401,
  TOKEN_LIFETIME_TOO_LONG: 401,
  // RFC 6750 section 3.1: 400 + WWW-Authenticate: Bearer error="invalid_request"
  TOKEN_MULTIPLE_METHODS: 400,
  TOKEN_REVOKED: 401,

  // key set
  JWKS_FETCH_FAILED: 401,
  JWKS_INVALID: 401,

  // authorization
  AUTH_REQUIRED: 401,
  GROUP_REQUIRED: 403,
  SCOPE_REQUIRED: 403,

  // browser login (authorization-code grant)
  LOGIN_STATE_MISSING: 400,
  LOGIN_STATE_INVALID: 400,
  CALLBACK_INVALID: 400,
  CALLBACK_IDP_ERROR: 400,
  TOKEN_EXCHANGE_FAILED: 502,
  NONCE_MISMATCH: 400,
  OPENID_SCOPE_MISSING: 400,
  CSRF_INVALID: 403,
  SESSION_EXPIRED: 401,
  REFRESH_FAILED: 401,
  REQUEST_TOO_LARGE: 413,
  HOST_UNTRUSTED: 400,
  SESSION_TOO_LARGE: 500,

  // user replica and webhooks
  USER_DISABLED: 403,
  USER_DELETED: 403,
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_STALE: 401,
  WEBHOOK_REPLAYED: 409,
  WEBHOOK_PAYLOAD_INVALID: 400,
  STORE_FAILED: 500,
  DENYLIST_UNAVAILABLE: 503,
  MIGRATION_FAILED: 500,
  SYNC_FAILED: 500,

  // generic bad input to a handler of this library
  BAD_REQUEST: 400,
  ROUTE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
} as const;

export type CognitoAuthErrorCode = keyof typeof ERROR_STATUS;

export const ERROR_CODES = Object.freeze(Object.keys(ERROR_STATUS) as CognitoAuthErrorCode[]);

const BRAND = Symbol.for('cognito-code-grant.error');

/** Details of a session that ended (SESSION_EXPIRED, REFRESH_FAILED from the authenticator). */
export type SessionEndedDetails = {
  /** `Set-Cookie` values clearing the ended session: send them with the answer. */
  readonly setCookies?: readonly string[];
  /** Where a page should send the browser to sign in again (`{prefix}/login?returnTo=...`). */
  readonly loginPath?: string;
};

/** Details of a refused or failed call to Cognito's OAuth endpoints. */
export type OAuthFailureDetails = {
  /** The HTTP status Cognito answered, when it answered. */
  readonly status?: number;
  /** The OAuth `error` code (`invalid_grant`, ...), never the rest of the body. */
  readonly error?: string;
};

/**
 * The `details` each code carries (safe for logs; never sent to the client). Codes not listed
 * carry none, or free-form details. `switch (error.code)` narrows `error.details` to its entry.
 */
export interface CognitoAuthErrorDetailsMap {
  GROUP_REQUIRED: { readonly groups: readonly string[] };
  /** The scopes the route requires (set by the route guards, for the `WWW-Authenticate` challenge). */
  SCOPE_REQUIRED: { readonly scopes?: readonly string[] };
  SESSION_EXPIRED: SessionEndedDetails;
  /**
   * `ended`: false when the token endpoint failed temporarily (5xx, timeout, network) and the
   * session is kept (try again later); true when the refresh was refused and the session ended.
   */
  REFRESH_FAILED: SessionEndedDetails & OAuthFailureDetails & { readonly ended?: boolean };
  TOKEN_EXCHANGE_FAILED: OAuthFailureDetails;
  /** `reason`: the verification code of a refused token, or `at_hash`. */
  CALLBACK_INVALID: OAuthFailureDetails & { readonly reason?: string };
  /** `error`: the OAuth error code Cognito sent to the callback (validated). */
  CALLBACK_IDP_ERROR: { readonly error: string };
  /** `scope`: what the token response granted. */
  OPENID_SCOPE_MISSING: { readonly scope: string };
  SESSION_TOO_LARGE: { readonly sealedBytes: number; readonly limitBytes: number };
  REQUEST_TOO_LARGE: { readonly limit?: number };
  METHOD_NOT_ALLOWED: { readonly allow: string };
  /** `timeoutMs`: the deadline that passed, when the call timed out. */
  STORE_FAILED: { readonly timeoutMs?: number };
  MIGRATION_FAILED: { readonly failed: string | undefined };
}

/** The details of `C`: its entry in the map (other keys readable as unknown), else free-form. */
export type CognitoAuthErrorDetails<C extends CognitoAuthErrorCode = CognitoAuthErrorCode> =
  C extends keyof CognitoAuthErrorDetailsMap
    ? CognitoAuthErrorDetailsMap[C] & Readonly<Record<string, unknown>>
    : Readonly<Record<string, unknown>>;

export interface CognitoAuthErrorOptions<C extends CognitoAuthErrorCode = CognitoAuthErrorCode> {
  cause?: unknown;
  /** Safe, non-secret details for logs (never a token or secret). */
  details?: CognitoAuthErrorDetails<C>;
}

export class CognitoAuthError<C extends CognitoAuthErrorCode = CognitoAuthErrorCode> extends Error {
  override readonly name = 'CognitoAuthError';
  readonly code: C;
  /** The HTTP status an adapter answers with. */
  readonly status: number;
  readonly details: CognitoAuthErrorDetails<C> | undefined;

  constructor(code: C, message: string, options: CognitoAuthErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details
      ? (Object.freeze({ ...options.details }) as CognitoAuthErrorDetails<C>)
      : undefined;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The body an adapter sends: code and message only, no cause, no details. */
  toJSON(): { error: C; message: string } {
    return { error: this.code, message: this.message };
  }
}

/**
 * A CognitoAuthError of any one code: a union discriminated by `code`, so that
 * `switch (error.code)` narrows `error.details` (what `isCognitoAuthError` gives).
 */
export type AnyCognitoAuthError = { [C in CognitoAuthErrorCode]: CognitoAuthError<C> }[CognitoAuthErrorCode];

/** True for errors of this library, from any loaded copy (ESM or CJS). */
export function isCognitoAuthError(value: unknown): value is AnyCognitoAuthError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `value` is one of this library's errors with the given code. */
export function hasErrorCode<C extends CognitoAuthErrorCode>(
  value: unknown,
  code: C,
): value is CognitoAuthError<C> {
  return isCognitoAuthError(value) && value.code === code;
}
