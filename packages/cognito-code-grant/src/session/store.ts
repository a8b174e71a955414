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
}

/**
 * Makes a store's optional `getMany` and `replace` non-enumerable, so `{ ...store, get: wrapped }`
 * or `{ ...store, set: wrapped }` does not carry them over: the wrapper's own `get` and `set`
 * then see every read and write instead of being bypassed by batched reads or refresh writes.
 */
export function nonEnumerableOptionals<T extends SessionStore>(store: T): T {
  for (const name of ['getMany', 'replace'] as const) {
    if (store[name] !== undefined) {
      Object.defineProperty(store, name, { value: store[name], enumerable: false, writable: true });
    }
  }
  return store;
}
