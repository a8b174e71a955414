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

export interface CognitoAuthErrorOptions {
  cause?: unknown;
  /** Safe, non-secret details for logs (never a token or secret). */
  details?: Record<string, unknown>;
}

export class CognitoAuthError extends Error {
  override readonly name = 'CognitoAuthError';
  readonly code: CognitoAuthErrorCode;
  /** The HTTP status an adapter answers with. */
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: CognitoAuthErrorCode, message: string, options: CognitoAuthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details ? Object.freeze({ ...options.details }) : undefined;
    Object.defineProperty(this, BRAND, { value: true });
  }

  /** The body an adapter sends: code and message only, no cause, no details. */
  toJSON(): { error: CognitoAuthErrorCode; message: string } {
    return { error: this.code, message: this.message };
  }
}

/** True for errors of this library, from any loaded copy (ESM or CJS). */
export function isCognitoAuthError(value: unknown): value is CognitoAuthError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** True when `value` is one of this library's errors with the given code. */
export function hasErrorCode(value: unknown, code: CognitoAuthErrorCode): value is CognitoAuthError {
  return isCognitoAuthError(value) && value.code === code;
}
