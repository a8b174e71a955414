/**
 * The RS256 check itself: RSASSA-PKCS1-v1_5 with SHA-256 against a prepared KeyObject, over
 * bytes the caller has laid out. Through a `Verify` object rather than the one-shot
 * `crypto.verify`, which measured about 3.5% slower per signature on Node 22 and 24 for the same
 * OpenSSL work (ADR 0007). The helper thread's source (signature-thread.ts) does the same.
 */
import { type KeyObject, createVerify } from 'node:crypto';

/** True when `signature` is `key`'s RS256 signature of `signingInput`. */
export function verifyRs256(signingInput: Uint8Array, key: KeyObject, signature: Uint8Array): boolean {
  return createVerify('RSA-SHA256').update(signingInput).verify(key, signature);
}
