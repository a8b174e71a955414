/**
 * Store mode: the cookie holds `id.secret`; the session lives in a SessionStore under
 * SHA-256(id). Each process remembers the sessions it served (bounded LRU) and trusts them
 * without a store read only while it is sure nothing changed: within `revalidateAfterMs`
 * (opt-in), or while the store's push channel is live and has not announced a change.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { type BackendCommon, type Cookies, type SessionBackend, maxAgeFor, storeFailed } from './backends.ts';
import { type StoreAnswer, batchedGet } from './batched-get.ts';
import { clearChunked, writeChunked } from './cookies.ts';
import type { KeyRing } from './keys.ts';
import { type DecodedSession, type SessionState, sessionExpiresAt } from './session-data.ts';
import { recordOrigin } from './session-origin.ts';
import {
  createSessionToken,
  hashSessionId,
  hashSessionSecret,
  parseSessionToken,
  secretHexDigest,
  sessionSecretMatchesHexDigest,
} from './session-id.ts';
import { encodeStored, openStored, readStoredHeader, storedDataKey } from './stored-data.ts';
import type { SessionStore } from './store.ts';

export interface StoreBackendOptions extends BackendCommon {
  readonly store: SessionStore;
  /** Clock in epoch ms (the revalidation window and expiry of remembered reads). */
  readonly now: () => number;
  /**
   * How long this process trusts its own last read of a session before asking the store again.
   * Default 0: the store is read on every request (a logout elsewhere is seen at once).
   */
  readonly revalidateAfterMs?: number;
  /** Sessions remembered in this process (default 1000; least recently used go first). */
  readonly cacheSize?: number;
  /**
   * Use the store's push channel when it has one (default true): a remembered session is then
   * served without a store read while the channel is live and has announced no change to it.
   */
  readonly push?: boolean;
  /** Told when the push channel goes down or comes back (for logs and tests). */
  readonly onPush?: (
    event: { readonly type: 'up' } | { readonly type: 'down'; readonly error: unknown },
  ) => void;
}

/** A session as last read from (or written to) the store by this process. */
interface Remembered {
  /** SHA-256(id), the store key: not recomputed on every request. */
  readonly idHash: string;
  /** The record's JSON: an unchanged row is not parsed (nor decrypted) again. */
  readonly data: string;
  /** The sealed session (opened only with the secret of a matching cookie). */
  readonly enc: string;
  readonly secretHash: string;
  /** SHA-256 of the session secret, as the bytes of its hex form (`secretHexDigest`). */
  readonly secretDigest: Buffer;
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

/**
 * Bounded LRU of sessions by session id (only ids the store knew get in, so a flood of random
 * cookies cannot fill it). When the store returns the same data it spares the HKDF derivation,
 * the decryption and the JSON parses: a request then costs a store read, a string compare and
 * the constant-time secret check. With `revalidateAfterMs > 0` it also spares the store round
 * trip within the window.
 */
class SessionCache {
  readonly #entries = new Map<string, Remembered>();
  /** idHash -> session id, for the push channel's messages (which name the store key). */
  readonly #byHash = new Map<string, string>();
  constructor(readonly max: number) {}
  get(sid: string): Remembered | undefined {
    const e = this.#entries.get(sid);
    if (e) {
      // Most recently used last.
      this.#entries.delete(sid);
      this.#entries.set(sid, e);
    }
    return e;
  }
  set(sid: string, entry: Remembered): void {
    if (this.max <= 0) return;
    this.#entries.delete(sid);
    while (this.#entries.size >= this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.delete(oldest);
    }
    this.#entries.set(sid, entry);
    this.#byHash.set(entry.idHash, sid);
  }
  delete(sid: string): void {
    const e = this.#entries.get(sid);
    if (e === undefined) return;
    this.#entries.delete(sid);
    this.#byHash.delete(e.idHash);
  }
  deleteByHash(idHash: string): void {
    const sid = this.#byHash.get(idHash);
    if (sid !== undefined) this.delete(sid);
  }
}

/** Store mode: the cookie carries `id.secret` only. */
export function createStoreBackend(o: StoreBackendOptions): SessionBackend {
  const { store, now } = o;
  // Reads arriving together go to the store as one query (still one fresh read per request).
  const get = batchedGet(store);
  const revalidateAfterMs = o.revalidateAfterMs ?? 0;
  const cache = new SessionCache(o.cacheSize ?? 1000);
  // Bumped by every write or delete of this process: a store read that was in flight meanwhile
  // may have returned the record as it was before (a logout), so its result is not remembered.
  let writes = 0;
  // Push invalidation: while the channel is live, an entry read (or written) in the current
  // epoch is trusted until a message names it. Down or up again: a new epoch, so every entry is
  // read once more (with its version: no data is sent when nothing changed) before it is trusted.
  let epoch = 0;
  let live = false;
  /** Bumped by every message: a write during which one arrived is not trusted. */
  let messages = 0;
  if (o.push !== false && store.subscribe !== undefined) {
    store
      .subscribe({
        session(idHash) {
          messages++;
          writes++;
          cache.deleteByHash(idHash);
        },
        down(error) {
          live = false;
          epoch++;
          o.onPush?.({ type: 'down', error });
        },
        up() {
          epoch++;
          live = true;
          o.onPush?.({ type: 'up' });
        },
      })
      .then((s) => {
        // The first connect is not announced by `up` on every channel (the memory store's).
        if (s.live && !live) {
          epoch++;
          live = true;
          o.onPush?.({ type: 'up' });
        }
      })
      // A failed start leaves the backend reading every request (the channel retries itself).
      .catch(() => {});
  }
  const clear = (cookies: Cookies) => clearChunked(o.cookieName, { ...o.attributes, maxAge: 0 }, cookies);
  const cookieFor = (token: string, expiresAt: number, t: number, cookies: Cookies) =>
    writeChunked(o.cookieName, token, { ...o.attributes, maxAge: maxAgeFor(expiresAt, t) }, cookies);
  /**
   * Writes the session. `existing`: a rewrite of a session that must still be there (a refresh);
   * when it was deleted meanwhile (a logout while the refresh waited on Cognito) nothing is
   * written and SESSION_EXPIRED is thrown, so the logout is not undone.
   */
  async function put(
    state: SessionState,
    secretHash: string,
    key: KeyRing,
    existing = false,
  ): Promise<number> {
    const expiresAt = sessionExpiresAt(state, o.lifetimes);
    const idHash = hashSessionId(state.sid);
    const record = {
      data: encodeStored(state, secretHash, key, idHash),
      userSub: state.principal.sub,
      expiresAt,
    };
    const data = record.data;
    writes++;
    const messagesBefore = messages;
    const epochBefore = epoch;
    let written = true;
    try {
      if (!existing) await store.set(idHash, record);
      else if (store.replace) written = await store.replace(idHash, record);
      // A store without `replace`: checked just before the write (a narrow window, not none).
      else if (await store.get(idHash)) await store.set(idHash, record);
      else written = false;
    } catch (cause) {
      // The record may or may not have changed: forget what this process knew.
      cache.delete(state.sid);
      throw storeFailed(cause);
    }
    if (!written) {
      cache.delete(state.sid);
      throw new CognitoAuthError('SESSION_EXPIRED', 'The session ended while it was being refreshed');
    }
    // A write by this process is seen at once by this process (refresh, login).
    const header = readStoredHeader(data)!;
    cache.set(state.sid, {
      idHash,
      data,
      enc: header.enc,
      secretHash,
      decoded: { state, secretHash },
      answer: undefined,
      key,
      secretDigest: secretHexDigest(secretHash),
      expiresAt,
      // The store assigns versions; the next read fetches the data once to learn it.
      version: undefined,
      checkedAt: now(),
      epoch: messages === messagesBefore ? epochBefore : -1,
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
  /** The remembered or freshly read session of `id`; undefined when absent or expired. */
  async function load(id: string, revalidate: boolean): Promise<Remembered | undefined> {
    const known = cache.get(id);
    const idHash = known?.idHash ?? hashSessionId(id);
    const t = now();
    if (
      !revalidate &&
      known &&
      known.expiresAt > t &&
      ((live && known.epoch === epoch) || t - known.checkedAt < revalidateAfterMs)
    )
      return known;
    const writesBefore = writes;
    const readEpoch = epoch;
    let record: StoreAnswer;
    try {
      record = await get(idHash, known?.version);
    } catch (cause) {
      throw storeFailed(cause);
    }
    if (!record) {
      cache.delete(id);
      return undefined;
    }
    const raced = writes !== writesBefore;
    if ('unchanged' in record) {
      // The store confirmed the version this process holds; anything else is a store fault.
      if (known === undefined || record.version !== known.version) {
        cache.delete(id);
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
      cache.delete(id);
      return undefined;
    }
    const entry: Remembered = {
      idHash,
      data: record.data,
      enc: header.enc,
      secretHash: header.secretHash,
      secretDigest: secretHexDigest(header.secretHash),
      decoded: undefined,
      answer: undefined,
      // Same secret, same key: a record rewritten elsewhere is opened without a new derivation.
      key: known && known.secretHash === header.secretHash ? known.key : undefined,
      expiresAt: record.expiresAt,
      version: record.version,
      checkedAt: t,
      epoch: raced ? -1 : readEpoch,
    };
    if (!raced) cache.set(id, entry);
    return entry;
  }
  return {
    mode: 'store',
    cookieName: o.cookieName,
    present: (cookies) => cookies.has(o.cookieName),
    async read(cookies, options) {
      const value = cookies.get(o.cookieName);
      const token = value === undefined ? undefined : parseSessionToken(value);
      if (!token) return undefined;
      const entry = await load(token.id, options?.revalidate === true);
      if (!entry || entry.secretDigest.length === 0) return undefined;
      // Every request, cached record or not: the secret is what proves the cookie.
      if (!sessionSecretMatchesHexDigest(token.secret, entry.secretDigest)) return undefined;
      if (!entry.decoded) {
        const key = entry.key ?? storedDataKey(token.secret);
        const opened = openStored(entry.enc, key, entry.idHash, token.id);
        if (!opened) return undefined;
        entry.decoded = opened;
        entry.key = key;
      }
      const { state } = entry.decoded;
      // The store's expiry is authoritative for the rolling window (touch moves it without a rewrite).
      const seenAt = Math.max(state.seenAt, entry.expiresAt - o.lifetimes.rollingMs);
      // The same answer object while nothing moved: no allocation on the hot path.
      if (entry.answer?.state.seenAt !== seenAt) {
        entry.answer = { state: seenAt === state.seenAt ? state : { ...state, seenAt }, rewrite: false };
      }
      return entry.answer;
    },
    async create(partial, cookies, t) {
      const token = createSessionToken(o.random);
      const state: SessionState = { ...partial, sid: token.id };
      const expiresAt = await put(state, hashSessionSecret(token.secret), storedDataKey(token.secret));
      return { state, setCookies: cookieFor(token.token, expiresAt, t, cookies) };
    },
    async save(state, cookies, t) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const secretHash = token && token.id === state.sid ? hashSessionSecret(token.secret) : undefined;
      if (secretHash === undefined) {
        // Saving a session whose cookie is not in this request: only possible with the data key
        // this process derived when it last opened the record (the store cannot give it back).
        const entry = await load(state.sid, true);
        if (!entry?.key) return [];
        await put(state, entry.secretHash, entry.key, true);
        return [];
      }
      const known = cache.get(state.sid);
      const key = known?.key && known.secretHash === secretHash ? known.key : storedDataKey(token!.secret);
      const expiresAt = await put(state, secretHash, key, true);
      // Extend the cookie with the rolling window; the value is unchanged.
      return token ? cookieFor(token.token, expiresAt, t, cookies) : [];
    },
    async extend(state, cookies, t) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const expiresAt = sessionExpiresAt(state, o.lifetimes);
      const idHash = hashSessionId(state.sid);
      try {
        await store.touch(idHash, expiresAt);
      } catch (cause) {
        throw storeFailed(cause);
      }
      // The data is unchanged; only the expiry moved (read() derives seenAt from it).
      const known = cache.get(state.sid);
      if (known) known.expiresAt = Math.max(known.expiresAt, expiresAt);
      return token && token.id === state.sid ? cookieFor(token.token, expiresAt, t, cookies) : [];
    },
    async destroy(state, cookies) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const sid = state?.sid ?? token?.id;
      if (sid !== undefined) {
        const idHash = hashSessionId(sid);
        // Evicted first: even if the store fails, this process no longer trusts the session.
        writes++;
        cache.delete(sid);
        try {
          await store.delete(idHash);
          await recordOrigin(o.origins, state, now());
        } catch (cause) {
          throw storeFailed(cause);
        }
      }
      return clear(cookies);
    },
    sessionId: (cookies) => parseSessionToken(cookies.get(o.cookieName) ?? '')?.id,
    clear,
    lease: {
      acquire: (sid, owner, ttlMs) => store.acquireLease(hashSessionId(sid), owner, ttlMs),
      release: (sid, owner) => store.releaseLease(hashSessionId(sid), owner),
    },
  };
}
