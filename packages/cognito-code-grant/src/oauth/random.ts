/** Random values and PKCE (RFC 7636). Randomness is injectable so tests can pin values. */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';

/** Returns `n` cryptographically random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (n) => nodeRandomBytes(n);

/** A random base64url string of `bytes` bytes of entropy (32 by default: 43 characters). */
export function randomToken(random: RandomBytes = defaultRandomBytes, bytes = 32): string {
  return Buffer.from(random(bytes)).toString('base64url');
}

/** The S256 code challenge: base64url(SHA-256(ASCII(verifier))) (RFC 7636 section 4.2). */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}
