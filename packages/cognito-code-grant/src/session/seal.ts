/**
 * Authenticated encryption of small values for cookies: AES-256-GCM, a fresh 96-bit IV per seal,
 * and additional authenticated data binding the value to its purpose (the cookie's base name),
 * so a valid value cannot be replayed under another cookie.
 *
 * Format: base64url( 0x01 | key hint (4) | iv (12) | ciphertext | tag (16) ).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from './keys.ts';

const VERSION = 0x01;
const HEADER = 1 + 4 + 12;
const TAG = 16;

/** Seals `plaintext` with the ring's first key. */
export function seal(ring: KeyRing, aad: string, plaintext: string): string {
  const k = ring.keys[0];
  if (!k) throw new Error('empty key ring');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k.key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), k.hint, iv, ct, cipher.getAuthTag()]).toString('base64url');
}

/** Opens a sealed value; returns undefined when it is malformed, tampered with or from an unknown key. */
export function unseal(ring: KeyRing, aad: string, sealed: string): string | undefined {
  // No charset pre-check: any altered character changes the bytes and fails the GCM tag.
  if (sealed.length < 44) return undefined;
  const raw = Buffer.from(sealed, 'base64url');
  if (raw.length < HEADER + TAG || raw[0] !== VERSION) return undefined;
  const hint = raw.subarray(1, 5);
  const k = ring.keys.find((candidate) => candidate.hint.equals(hint));
  if (!k) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', k.key, raw.subarray(5, HEADER));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG));
    return Buffer.concat([
      decipher.update(raw.subarray(HEADER, raw.length - TAG)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    return undefined;
  }
}

/** True when the value was sealed with a key other than the ring's first (re-seal it to rotate). */
export function sealedWithOldKey(ring: KeyRing, sealed: string): boolean {
  const raw = Buffer.from(sealed.slice(0, 8), 'base64url');
  const first = ring.keys[0];
  return first !== undefined && !first.hint.equals(raw.subarray(1, 5));
}
