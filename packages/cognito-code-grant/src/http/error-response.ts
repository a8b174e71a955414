/**
 * Maps any error to the HTTP answer an adapter sends: status, headers and a JSON body
 * `{ error: code, message }`. Library errors keep their code; anything else is a generic 500
 * with no details. Token errors carry fixed descriptions, never text from the token.
 */
import { type CognitoAuthErrorCode, isCognitoAuthError } from '../errors/errors.ts';
import { bearerChallenge } from './www-authenticate.ts';

export interface ErrorResponse {
  readonly status: number;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly message: string };
}

export interface ErrorResponseOptions {
  /** The `realm` of `WWW-Authenticate` challenges. Default `api`. */
  realm?: string;
}

/** Fixed `error_description`s: the verifier's message may quote claim values, so it is not used. */
const TOKEN_DESCRIPTIONS: Partial<Record<CognitoAuthErrorCode, string>> = {
  TOKEN_MALFORMED: 'The access token is malformed',
  TOKEN_TOO_LARGE: 'The access token is too large',
  TOKEN_ALG_UNSUPPORTED: 'The token algorithm is not supported',
  TOKEN_HEADER_UNSUPPORTED: 'The token header is not supported',
  TOKEN_KID_UNKNOWN: 'The token signing key is unknown',
  TOKEN_SIGNATURE_INVALID: 'The token signature is invalid',
  TOKEN_EXPIRED: 'The access token expired',
  TOKEN_NOT_YET_VALID: 'The access token is not yet valid',
  TOKEN_ISSUER_INVALID: 'The token issuer is not accepted',
  TOKEN_USE_INVALID: 'The token use is not accepted here',
  TOKEN_CLIENT_INVALID: 'The token was issued to another client',
  TOKEN_CLAIM_INVALID: 'A token claim is invalid',
  TOKEN_LIFETIME_TOO_LONG: 'The token lifetime is longer than accepted',
  TOKEN_REVOKED: 'The session of this token has ended',
  JWKS_FETCH_FAILED: 'The signing keys could not be fetched',
  JWKS_INVALID: 'The signing keys could not be read',
};

/** The message of every answer with status 500 or more: the real one goes to onServerError. */
export const SERVER_ERROR_MESSAGE = 'The request could not be completed';

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

function scopesOf(details: Readonly<Record<string, unknown>> | undefined): string[] | undefined {
  const scopes = details?.['scopes'];
  return Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === 'string') : undefined;
}

/**
 * The response for `error`: 401 with an RFC 6750 challenge (`error="invalid_token"` for token
 * errors, bare `Bearer realm` when credentials are missing), 403 `insufficient_scope` with the
 * scopes for `SCOPE_REQUIRED`, other statuses as documented in docs/errors.md, 5xx without detail.
 */
export function errorResponse(error: unknown, options: ErrorResponseOptions = {}): ErrorResponse {
  const realm = options.realm;
  if (!isCognitoAuthError(error)) {
    return {
      status: 500,
      headers: JSON_HEADERS,
      body: { error: 'INTERNAL_ERROR', message: 'Internal server error' },
    };
  }
  const { code, status } = error;
  if (status >= 500) {
    // Store, config or upstream failures: the code helps the client, the message goes to onServerError (server-errors.ts).
    return {
      status,
      headers: JSON_HEADERS,
      body: { error: code, message: SERVER_ERROR_MESSAGE },
    };
  }
  const body = { error: code, message: error.message };
  const description = TOKEN_DESCRIPTIONS[code];
  if (description !== undefined) {
    const challenge = bearerChallenge({ realm, error: 'invalid_token', description });
    return { status, headers: { ...JSON_HEADERS, 'www-authenticate': challenge }, body };
  }
  if (code === 'TOKEN_MULTIPLE_METHODS') {
    const challenge = bearerChallenge({
      realm,
      error: 'invalid_request',
      description: 'The access token was sent in more than one way',
    });
    return { status, headers: { ...JSON_HEADERS, 'www-authenticate': challenge }, body };
  }
  if (code === 'SCOPE_REQUIRED') {
    const challenge = bearerChallenge({
      realm,
      error: 'insufficient_scope',
      description: 'The access token lacks a required scope',
      scopes: scopesOf(error.details),
    });
    return { status, headers: { ...JSON_HEADERS, 'www-authenticate': challenge }, body };
  }
  if (status === 401) {
    // TOKEN_MISSING, AUTH_REQUIRED, session errors: no error code (RFC 6750 section 3.1).
    return { status, headers: { ...JSON_HEADERS, 'www-authenticate': bearerChallenge({ realm }) }, body };
  }
  if (code === 'METHOD_NOT_ALLOWED' && typeof error.details?.['allow'] === 'string') {
    return { status, headers: { ...JSON_HEADERS, allow: error.details['allow'] }, body };
  }
  return { status, headers: JSON_HEADERS, body };
}
