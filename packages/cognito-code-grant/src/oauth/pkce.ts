/** PKCE (RFC 7636). The random values themselves come from util/random.ts. */
import { createHash } from 'node:crypto';

/** The S256 code challenge: base64url(SHA-256(ASCII(verifier))) (RFC 7636 section 4.2). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
