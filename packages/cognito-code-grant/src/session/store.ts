/**
 * The session store port: a few primitives every backend (memory, SQL, Redis) implements and a
 * shared conformance suite checks. Keys are `SHA-256(session id)` in hex; `data` is an opaque
 * JSON string: a hash of the session secret, and the session (tokens included) encrypted under a
 * key derived from that secret, which the store never sees (see stored-data.ts).
 */

export interface SessionRecord {
  /** Opaque JSON written by the session layer. */
  readonly data: string;
  /** Cognito `sub`, for housekeeping queries; null when unknown. */
  readonly userSub: string | null;
  /** Epoch ms after which the record is gone (rolling or absolute lifetime, whichever is sooner). */
  readonly expiresAt: number;
  /**
   * Set by stores that keep one: an opaque value that changes with every `set` (and is not
   * reused after a delete), so a reader that already holds the data can skip fetching it again.
   */
  readonly version?: string;
}

import type { PushChannel } from './push.ts';

/** A token origin (`origin_jti`) this app ended, refused until `expiresAt` (epoch ms). */
export interface DeniedOrigin {
  readonly originJti: string;
  readonly expiresAt: number;
}

/** A getMany answer when the caller's known version is still current: the data is not sent. */
export interface UnchangedRecord {
  readonly unchanged: true;
  readonly version: string;
  readonly userSub: string | null;
  readonly expiresAt: number;
}

export interface SessionStore {
  /** The live record, or undefined when absent or expired. */
  get(idHash: string): Promise<SessionRecord | undefined>;
  /**
   * Optional: the live records of several ids in one round trip, in the order asked (undefined
   * where absent or expired). The session layer gathers the reads that arrive together into one
   * call (see batched-get.ts); a store without it is read with `get` once per id.
   * `knownVersions[i]`, when given, is the version of `idHashes[i]` the caller already holds:
   * a store that keeps versions may then answer `UnchangedRecord` instead of sending the data
   * again. Stores without versions ignore it.
   */
  getMany?(
    idHashes: readonly string[],
    knownVersions?: readonly (string | undefined)[],
  ): Promise<(SessionRecord | UnchangedRecord | undefined)[]>;
  /**
   * True when the store answers from this process's memory (no round trip to save): its reads
   * are not gathered, since waiting for the end of the event-loop turn would only add work.
   */
  readonly inProcess?: boolean;
  /** Creates or replaces a record. */
  set(idHash: string, record: SessionRecord): Promise<void>;
  /**
   * Optional: replaces a record only while a live one exists, atomically; false (nothing
   * written) when it is absent, deleted or expired. A refresh saves its result with it, so a
   * logout that lands while the refresh waits on Cognito is not undone. A store without it is
   * checked with `get` just before `set` (a narrow window instead of none).
   */
  replace?(idHash: string, record: SessionRecord): Promise<boolean>;
  /** Removes a record (and its lease); absent records are fine. */
  delete(idHash: string): Promise<void>;
  /** Moves the expiry of a live record (rolling lifetime) without rewriting its data. */
  touch(idHash: string, expiresAt: number): Promise<void>;
  /**
   * Atomically takes the refresh lease of a record for `ttlMs`: true when `owner` now holds it
   * (it was free, expired, or already `owner`'s), false when another owner holds a live lease.
   */
  acquireLease(idHash: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lease if `owner` holds it. */
  releaseLease(idHash: string, owner: string): Promise<void>;
  /**
   * Optional: the store's push channel (see push.ts). A store that has one publishes every
   * `set`, `replace` and `delete` of a session (not `touch`, which only moves an expiry later)
   * and every `denyOrigin` on it. Store mode then keeps the sessions it served in memory and
   * drops one when its message arrives; without a channel it reads the store on every request.
   */
  readonly subscribe?: PushChannel['subscribe'];
  /**
   * Optional: records a token origin in the shared deny-list until `expiresAt` (a later expiry
   * wins over an earlier one), and publishes it when the store has a push channel.
   */
  denyOrigin?(originJti: string, expiresAt: number): Promise<void>;
  /**
   * Optional, with `denyOrigin`: the live deny-list entries; with `since` (epoch ms by the
   * store's clock) a store may return only those recorded at or after it (polling).
   */
  deniedOrigins?(since?: number): Promise<DeniedOrigin[]>;
  /** How often a consumer without a push channel polls `deniedOrigins` (ms); set by SQL stores. */
  readonly pollIntervalMs?: number;
}

/**
 * Makes a store's optional `getMany`, `replace` and `subscribe` non-enumerable, so
 * `{ ...store, get: wrapped }` or `{ ...store, set: wrapped }` does not carry them over: the
 * wrapper's own `get` and `set` then see every read and write instead of being bypassed by
 * batched reads, refresh writes, or a cache kept current by the original store's channel.
 */
export function nonEnumerableOptionals<T extends SessionStore>(store: T): T {
  for (const name of ['getMany', 'replace', 'subscribe'] as const) {
    if (store[name] !== undefined) {
      Object.defineProperty(store, name, { value: store[name], enumerable: false, writable: true });
    }
  }
  return store;
}
