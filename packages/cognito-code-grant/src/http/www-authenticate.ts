/**
 * RFC 6750 section 3 `WWW-Authenticate: Bearer ...` challenges. Values are built from fixed
 * text and configured names only: nothing from the request or the token is ever echoed.
 */

export interface BearerChallenge {
  /** Default `api`. */
  realm?: string;
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  /** Human-readable; characters outside RFC 6750's allowed set are dropped. */
  description?: string;
  /** Scopes the resource needs (`insufficient_scope`); invalid scope-tokens are dropped. */
  scopes?: readonly string[];
}

// RFC 6750 section 3: error_description is %x20-21 / %x23-5B / %x5D-7E (no `"` or `\`).
const NOT_DESCRIPTION_CHAR = /[^\x20\x21\x23-\x5b\x5d-\x7e]/g;
// RFC 6749 appendix A.4: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
// realm is a quoted-string; keep it to the same safe set as descriptions.
const NOT_REALM_CHAR = NOT_DESCRIPTION_CHAR;

/** Formats a `Bearer` challenge, e.g. `Bearer realm="api", error="invalid_token"`. */
export function bearerChallenge(challenge: BearerChallenge = {}): string {
  const realm = (challenge.realm ?? 'api').replace(NOT_REALM_CHAR, '');
  let header = `Bearer realm="${realm}"`;
  if (challenge.error !== undefined) header += `, error="${challenge.error}"`;
  if (challenge.description !== undefined) {
    const description = challenge.description.replace(NOT_DESCRIPTION_CHAR, '');
    if (description !== '') header += `, error_description="${description}"`;
  }
  if (challenge.scopes !== undefined) {
    const scopes = challenge.scopes.filter((s) => typeof s === 'string' && SCOPE_TOKEN.test(s));
    if (scopes.length > 0) header += `, scope="${scopes.join(' ')}"`;
  }
  return header;
}
