/** Random values: injectable bytes (tests pin them), tokens and ids. */
import { randomBytes as nodeRandomBytes, randomUUID } from 'node:crypto';

/** Returns `n` cryptographically random bytes. */
export type RandomBytes = (n: number) => Uint8Array;

export const defaultRandomBytes: RandomBytes = (n) => nodeRandomBytes(n);

/** A random base64url string of `bytes` bytes of entropy (32 by default: 43 characters). */
export function randomToken(random: RandomBytes = defaultRandomBytes, bytes = 32): string {
  return Buffer.from(random(bytes)).toString('base64url');
}

/** A random UUID (v4): event ids. */
export const randomId: () => string = randomUUID;
