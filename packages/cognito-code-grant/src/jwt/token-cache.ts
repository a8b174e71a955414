/**
 * The verified-token cache: the exact token string -> its verification result, until `exp`.
 *
 * Keyed by a number mixed from characters near the end of the signature, not by the token: V8
 * hashes a string key character by character, and a request's header string is new each time,
 * so a Map keyed by the ~1 KB token paid about a microsecond of hashing per hit (measured), and
 * a key sliced from its tail still cost an allocation and a string hash per hit. The tail of an
 * RS256 signature is as good as random (its very last character carries as few as 2 bits, so it is left
 * out); the entry keeps the whole token and a hit requires exact equality (a native memory
 * compare). Only verified tokens are inserted, so a forged token with a copied tail is a miss,
 * never a hit, and cannot evict one; two cached tokens with one key only cost one of them a miss.
 */
import type { JwksCache } from '../jwks/cache.ts';
import type { VerifiedToken } from './verified.ts';

/** The key of `token`: its 2nd to 7th characters from the end (36 bits of signature) mixed into a 30-bit integer. */
function keyOf(token: string): number {
  const end = token.length - 1;
  let key = 0;
  for (let i = end - 6; i < end; i++) key = (key * 67 + token.charCodeAt(i)) & 0x3fffffff;
  return key;
}

export interface TokenCacheEntry {
  /** The whole token: a hit requires exact equality. */
  readonly token: string;
  readonly verified: VerifiedToken;
  /** Epoch ms after which the token is expired, skew included. */
  readonly deadline: number;
  readonly kid: string;
  readonly jwks: JwksCache;
  /** The token's `origin_jti` (undefined without one), for the deny-list. */
  readonly origin: string | undefined;
  /** The deny-list generation in which the origin was last found clean (-1: never). */
  cleanAt: number;
}

export class TokenCache {
  readonly #entries = new Map<number, TokenCacheEntry>();
  readonly #capacity: number;

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  /** The entry of exactly `token`, or undefined. Costs no hashing of the whole token. */
  get(token: string): TokenCacheEntry | undefined {
    // An empty cache (or a disabled one) costs nothing.
    if (this.#entries.size === 0) return undefined;
    const entry = this.#entries.get(keyOf(token));
    return entry !== undefined && entry.token === token ? entry : undefined;
  }

  set(entry: TokenCacheEntry): void {
    if (this.#capacity === 0) return;
    const entries = this.#entries;
    if (entries.size >= this.#capacity) {
      // Evict the oldest insertion (FIFO is enough: hits never reorder, which keeps them cheap).
      const oldest = entries.keys().next();
      if (!oldest.done) entries.delete(oldest.value);
    }
    entries.set(keyOf(entry.token), entry);
  }

  delete(entry: TokenCacheEntry): void {
    const key = keyOf(entry.token);
    if (this.#entries.get(key) === entry) this.#entries.delete(key);
  }

  /** Drops the tokens signed by `kids` of `jwks` (keys that left the JWKS). */
  dropSignedBy(jwks: JwksCache, kids: readonly string[]): void {
    for (const [key, entry] of this.#entries) {
      if (entry.jwks === jwks && kids.includes(entry.kid)) this.#entries.delete(key);
    }
  }
}
