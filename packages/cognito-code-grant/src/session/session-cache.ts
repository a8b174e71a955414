/** The sessions a store-mode process remembers: what it last read or wrote, bounded. */
import type { KeyRing } from './keys.ts';
import type { DecodedSession, SessionState } from './session-data.ts';

/** A session as last read from (or written to) the store by this process. */
export interface Remembered {
  /** SHA-256(id), the store key: not recomputed on every request. */
  readonly idHash: string;
  /** The record's JSON: an unchanged row is not parsed (nor decrypted) again. */
  readonly data: string;
  /** The sealed session (opened only with the secret of a matching cookie). */
  readonly enc: string;
  readonly secretHash: string;
  /** SHA-256 of the session secret, as the bytes of its hex form (`secretHexDigest`). */
  readonly secretDigest: Buffer;
  /**
   * The secret (latin1 bytes) of a cookie that matched `secretDigest`: the next request with the
   * same cookie is checked by a constant-time compare with it instead of a new SHA-256.
   */
  secret: Buffer | undefined;
  /** Set once a request with the right secret opened `enc` (never before the digest matched). */
  decoded: DecodedSession | undefined;
  /** The last answer of `read()` for this record, reused while its `seenAt` is unchanged. */
  answer: { readonly state: SessionState; readonly rewrite: false } | undefined;
  /** The data key derived from the secret, kept to rewrite the record after a refresh. */
  key: KeyRing | undefined;
  /** The record's expiry as the store last reported it (or as this process last set it). */
  expiresAt: number;
  /** The store's version of `data` when the store keeps versions (not known after our own write). */
  version: string | undefined;
  /** When this process last read or wrote the record (epoch ms). */
  checkedAt: number;
  /**
   * The push epoch in which the read (or write) that produced this entry began; -1 when a
   * change was announced meanwhile. Trusted without a read only in the current, live epoch.
   */
  epoch: number;
}

/** A cache slot: `used` is set by every hit and cleared when eviction passes it over. */
interface Slot {
  entry: Remembered;
  used: boolean;
}

/**
 * Bounded cache of sessions by session id (only ids the store knew get in, so a flood of random
 * cookies cannot fill it). When the store returns the same data it spares the HKDF derivation,
 * the decryption and the JSON parses: a request then costs a store read, a string compare and
 * the constant-time secret check. With `revalidateAfterMs > 0` it also spares the store round
 * trip within the window. Eviction is second-chance (CLOCK), an approximation of least recently
 * used: a hit only sets a flag, where a strict LRU would reorder the map on every request.
 */
export class SessionCache {
  readonly #entries = new Map<string, Slot>();
  /** idHash -> session id, for the push channel's messages (which name the store key). */
  readonly #byHash = new Map<string, string>();
  constructor(readonly max: number) {}
  get(sid: string): Remembered | undefined {
    const slot = this.#entries.get(sid);
    if (slot === undefined) return undefined;
    slot.used = true;
    return slot.entry;
  }
  set(sid: string, entry: Remembered): void {
    if (this.max <= 0) return;
    const slot = this.#entries.get(sid);
    if (slot !== undefined) {
      // Same id, same store key: the slot keeps its place.
      slot.entry = entry;
      slot.used = true;
      return;
    }
    while (this.#entries.size >= this.max) this.#evictOne();
    this.#entries.set(sid, { entry, used: false });
    this.#byHash.set(entry.idHash, sid);
  }
  /** Drops the oldest entry not used since it was last passed over (the used ones move back). */
  #evictOne(): void {
    for (const [sid, slot] of this.#entries) {
      this.#entries.delete(sid);
      if (slot.used) {
        slot.used = false;
        this.#entries.set(sid, slot);
        continue;
      }
      this.#byHash.delete(slot.entry.idHash);
      return;
    }
  }
  delete(sid: string): void {
    const slot = this.#entries.get(sid);
    if (slot === undefined) return;
    this.#entries.delete(sid);
    this.#byHash.delete(slot.entry.idHash);
  }
  deleteByHash(idHash: string): void {
    const sid = this.#byHash.get(idHash);
    if (sid !== undefined) this.delete(sid);
  }
}
