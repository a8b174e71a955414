/**
 * Store-mode session tokens `id.secret`: the store is keyed by SHA-256(id) and keeps only
 * SHA-256(secret), compared in constant time, so a leaked store yields no usable cookie.
 */
import { createHash, hash, timingSafeEqual } from 'node:crypto';
import { type RandomBytes, defaultRandomBytes, randomToken } from '../util/random.ts';

export interface SessionToken {
  /** The cookie value, `id.secret`. */
  readonly token: string;
  readonly id: string;
  readonly secret: string;
}

const TOKEN = /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
/** Characters of the secret part (32 random bytes in base64url). */
export const SESSION_SECRET_LENGTH = 43;

/** A fresh token: 128-bit id, 256-bit secret. */
export function createSessionToken(random: RandomBytes = defaultRandomBytes): SessionToken {
  const id = randomToken(random, 16);
  const secret = randomToken(random, 32);
  return { token: `${id}.${secret}`, id, secret };
}

/** Splits a cookie value; undefined when it is not exactly of the form this library writes. */
export function parseSessionToken(value: string): SessionToken | undefined {
  // A test and two slices: no capture groups to allocate on every request.
  return TOKEN.test(value) ? { token: value, id: value.slice(0, 22), secret: value.slice(23) } : undefined;
}

/** The store key: SHA-256(id) as 64 hex characters. */
export function hashSessionId(id: string): string {
  // One-shot hash: about a third of the cost of createHash().update().digest() on the hot path.
  return hash('sha256', id, 'hex');
}

export function hashSessionSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/**
 * Constant-time comparison of a presented secret with the stored hash already decoded to bytes
 * (the hot path: no base64 round trip of either side).
 */
export function sessionSecretMatchesDigest(secret: string, storedDigest: Buffer): boolean {
  const a = createHash('sha256').update(secret).digest();
  return a.length === storedDigest.length && timingSafeEqual(a, storedDigest);
}

/**
 * The stored secret hash (base64url) as the bytes of its hex form, for
 * `sessionSecretMatchesHexDigest`; an empty buffer when it is not a SHA-256 digest.
 */
export function secretHexDigest(storedHash: string): Buffer {
  const raw = Buffer.from(storedHash, 'base64url');
  return raw.length === 32 ? Buffer.from(raw.toString('hex'), 'latin1') : Buffer.alloc(0);
}

/**
 * The hot-path form of `sessionSecretMatchesDigest`: SHA-256 of the presented secret (one-shot,
 * hex) compared in constant time with `secretHexDigest(storedHash)`. Run on every request.
 */
export function sessionSecretMatchesHexDigest(secret: string, storedHexDigest: Buffer): boolean {
  const a = Buffer.from(hash('sha256', secret, 'hex'), 'latin1');
  return storedHexDigest.length === 64 && timingSafeEqual(a, storedHexDigest);
}

/** Constant-time comparison of a presented secret with the stored hash. */
export function sessionSecretMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(hashSessionSecret(secret));
  const b = Buffer.from(storedHash);
  return a.length === b.length && timingSafeEqual(a, b);
}
