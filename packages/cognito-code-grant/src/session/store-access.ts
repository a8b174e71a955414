/**
 * The store-mode backend's reads and writes: what goes to the store and what this process
 * remembers of it, with the counters that decide when a remembered session may be trusted
 * without a store read (the revalidation window, or a live push channel that announced nothing).
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { storeFailed } from './backends.ts';
import { type StoreAnswer, batchedGet } from './batched-get.ts';
import type { KeyRing } from './keys.ts';
import { type Remembered, SessionCache } from './session-cache.ts';
import { type Lifetimes, type SessionState, sessionExpiresAt } from './session-data.ts';
import { hashSessionId, secretHexDigest } from './session-id.ts';
import { encodeStored, readStoredHeader } from './stored-data.ts';
import type { StoreBackendOptions } from './store-backend.ts';
import type { SessionStore } from './store.ts';

/** The store backend's options that shape what this process remembers (documented there). */
export type StoreAccessOptions = Pick<
  StoreBackendOptions,
  'store' | 'now' | 'lifetimes' | 'revalidateAfterMs' | 'cacheSize' | 'push' | 'onPush'
>;

/** The store, this process's memory of it, and the counters shared by reads, writes and push. */
export interface StoreAccess {
  readonly store: SessionStore;
  readonly now: () => number;
  readonly lifetimes: Lifetimes;
  /** Reads arriving together go to the store as one query (still one fresh read per request). */
  readonly get: ReturnType<typeof batchedGet>;
  readonly revalidateAfterMs: number;
  readonly cache: SessionCache;
  /**
   * Bumped by every write or delete of this process: a store read that was in flight meanwhile
   * may have returned the record as it was before (a logout), so its result is not remembered.
   */
  writes: number;
  /**
   * Push invalidation: while the channel is live, an entry read (or written) in the current
   * epoch is trusted until a message names it. Down or up again: a new epoch, so every entry is
   * read once more (with its version: no data is sent when nothing changed) before it is trusted.
   */
  epoch: number;
  live: boolean;
  /** Bumped by every message: a write during which one arrived is not trusted. */
  messages: number;
  /** False when no session is ever trusted without a read (no channel, no revalidation window). */
  readonly remembers: boolean;
}

export function createStoreAccess(o: StoreAccessOptions): StoreAccess {
  const push = o.push !== false && o.store.subscribe !== undefined;
  const a: StoreAccess = {
    store: o.store,
    now: o.now,
    lifetimes: o.lifetimes,
    get: batchedGet(o.store),
    revalidateAfterMs: o.revalidateAfterMs ?? 0,
    cache: new SessionCache(o.cacheSize ?? 1000),
    writes: 0,
    epoch: 0,
    live: false,
    messages: 0,
    remembers: push || (o.revalidateAfterMs ?? 0) > 0,
  };
  if (push) subscribePush(a, o.store.subscribe!.bind(o.store), o.onPush);
  return a;
}

function subscribePush(
  a: StoreAccess,
  subscribe: NonNullable<SessionStore['subscribe']>,
  onPush: StoreAccessOptions['onPush'],
): void {
  subscribe({
    session(idHash) {
      a.messages++;
      a.writes++;
      a.cache.deleteByHash(idHash);
    },
    down(error) {
      a.live = false;
      a.epoch++;
      onPush?.({ type: 'down', error });
    },
    up() {
      a.epoch++;
      a.live = true;
      onPush?.({ type: 'up' });
    },
  })
    .then((s) => {
      // The first connect is not announced by `up` on every channel (the memory store's).
      if (s.live && !a.live) {
        a.epoch++;
        a.live = true;
        onPush?.({ type: 'up' });
      }
    })
    // A failed start leaves the backend reading every request (the channel retries itself).
    .catch(() => {});
}

/**
 * Writes the session. `existing`: a rewrite of a session that must still be there (a refresh);
 * when it was deleted meanwhile (a logout while the refresh waited on Cognito) nothing is
 * written and SESSION_EXPIRED is thrown, so the logout is not undone.
 */
export async function putSession(
  a: StoreAccess,
  state: SessionState,
  secretHash: string,
  key: KeyRing,
  existing = false,
): Promise<number> {
  const expiresAt = sessionExpiresAt(state, a.lifetimes);
  const idHash = hashSessionId(state.sid);
  const record = {
    data: encodeStored(state, secretHash, key, idHash),
    userSub: state.principal.sub,
    expiresAt,
  };
  const data = record.data;
  a.writes++;
  const messagesBefore = a.messages;
  const epochBefore = a.epoch;
  let written = true;
  try {
    if (!existing) await a.store.set(idHash, record);
    else if (a.store.replace) written = await a.store.replace(idHash, record);
    // A store without `replace`: checked just before the write (a narrow window, not none).
    else if (await a.store.get(idHash)) await a.store.set(idHash, record);
    else written = false;
  } catch (cause) {
    // The record may or may not have changed: forget what this process knew.
    a.cache.delete(state.sid);
    throw storeFailed(cause);
  }
  if (!written) {
    a.cache.delete(state.sid);
    throw new CognitoAuthError('SESSION_EXPIRED', 'The session ended while it was being refreshed');
  }
  // A write by this process is seen at once by this process (refresh, login).
  const header = readStoredHeader(data)!;
  a.cache.set(state.sid, {
    idHash,
    data,
    enc: header.enc,
    secretHash,
    decoded: { state, secretHash },
    answer: undefined,
    key,
    secretDigest: secretHexDigest(secretHash),
    secret: undefined,
    expiresAt,
    // The store assigns versions; the next read fetches the data once to learn it.
    version: undefined,
    checkedAt: a.now(),
    epoch: a.messages === messagesBefore ? epochBefore : -1,
  });
  return expiresAt;
}
/** `known`, confirmed current by a store read at `t`; remembered unless a write raced the read. */
function refreshed(
  known: Remembered,
  expiresAt: number,
  t: number,
  raced: boolean,
  readEpoch: number,
): Remembered {
  if (raced) return { ...known, expiresAt, checkedAt: t, epoch: -1 };
  known.expiresAt = expiresAt;
  known.checkedAt = t;
  known.epoch = readEpoch;
  return known;
}
/** True when `known` may be served without a store read at `t`. */
const trusted = (a: StoreAccess, known: Remembered, t: number): boolean =>
  known.expiresAt > t && ((a.live && known.epoch === a.epoch) || t - known.checkedAt < a.revalidateAfterMs);

/**
 * The remembered session of `id` when it may be served without a store read (the push channel
 * is live and has announced no change to it, or it was read within `revalidateAfterMs`);
 * undefined when the store has to be asked (`loadSession`).
 */
export function rememberedSession(a: StoreAccess, id: string): Remembered | undefined {
  if (!a.live && a.revalidateAfterMs === 0) return undefined;
  const known = a.cache.get(id);
  return known !== undefined && trusted(a, known, a.now()) ? known : undefined;
}

/** The remembered or freshly read session of `id`; undefined when absent or expired. */
export async function loadSession(
  a: StoreAccess,
  id: string,
  revalidate: boolean,
): Promise<Remembered | undefined> {
  const known = a.cache.get(id);
  const idHash = known?.idHash ?? hashSessionId(id);
  const t = a.now();
  if (!revalidate && known && trusted(a, known, t)) return known;
  const writesBefore = a.writes;
  const readEpoch = a.epoch;
  let record: StoreAnswer;
  try {
    record = await a.get(idHash, known?.version);
  } catch (cause) {
    throw storeFailed(cause);
  }
  if (!record) {
    a.cache.delete(id);
    return undefined;
  }
  const raced = a.writes !== writesBefore;
  if ('unchanged' in record) {
    // The store confirmed the version this process holds; anything else is a store fault.
    if (known === undefined || record.version !== known.version) {
      a.cache.delete(id);
      return undefined;
    }
    return refreshed(known, record.expiresAt, t, raced, readEpoch);
  }
  // Same data (a full read after this process's own write, or a store without versions):
  // nothing to parse again; learn the version for the next read.
  if (known && known.data === record.data) {
    if (!raced) known.version = record.version;
    return refreshed(known, record.expiresAt, t, raced, readEpoch);
  }
  const header = readStoredHeader(record.data);
  if (!header) {
    a.cache.delete(id);
    return undefined;
  }
  const entry: Remembered = {
    idHash,
    data: record.data,
    enc: header.enc,
    secretHash: header.secretHash,
    secretDigest: secretHexDigest(header.secretHash),
    secret: undefined,
    decoded: undefined,
    answer: undefined,
    // Same secret, same key: a record rewritten elsewhere is opened without a new derivation.
    key: known && known.secretHash === header.secretHash ? known.key : undefined,
    expiresAt: record.expiresAt,
    version: record.version,
    checkedAt: t,
    epoch: raced ? -1 : readEpoch,
  };
  if (!raced) a.cache.set(id, entry);
  return entry;
}
