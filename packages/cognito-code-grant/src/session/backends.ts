/**
 * Where a session lives. Cookie mode: the whole session sealed in the (chunked) cookie.
 * Store mode: the cookie holds `id.secret`; the session lives in a SessionStore under SHA-256(id).
 * Both present the same small interface to the login handlers and the authenticator.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { type RandomBytes, randomToken } from '../oauth/random.ts';
import {
  CHUNK_SIZE,
  type CookieAttributes,
  MAX_CHUNKS,
  MAX_COOKIE_AGE,
  clearChunked,
  readChunked,
  writeChunked,
} from './cookies.ts';
import type { KeyRing } from './keys.ts';
import { seal, sealedWithOldKey, unseal } from './seal.ts';
import {
  type DecodedSession,
  type Lifetimes,
  type SessionState,
  decodeSession,
  encodeSession,
  sessionExpiresAt,
} from './session-data.ts';
import {
  createSessionToken,
  hashSessionId,
  hashSessionSecret,
  parseSessionToken,
  secretHexDigest,
  sessionSecretMatchesHexDigest,
} from './session-id.ts';
import type { RevocationList } from './revocation.ts';
import { encodeStored, openStored, readStoredHeader, storedDataKey } from './stored-data.ts';
import { type StoreAnswer, batchedGet } from './batched-get.ts';
import type { SessionStore } from './store.ts';

export type Cookies = ReadonlyMap<string, string>;

export interface SessionBackend {
  readonly mode: 'cookie' | 'store';
  /** The session cookie's full name (`__Host-ccg-session` on https without Domain). */
  readonly cookieName: string;
  /** True when the request carries this backend's cookie (a cheap test before any crypto). */
  present(cookies: Cookies): boolean;
  /**
   * The session, or undefined when absent, tampered with, unknown or ended. `rewrite` is true
   * when the cookie should be re-issued now (sealed with a retired key). Store mode may answer
   * from this process's last read within `revalidateAfterMs`; `revalidate: true` always asks the
   * store (refresh coordination must see other processes' writes).
   */
  read(
    cookies: Cookies,
    options?: { readonly revalidate?: boolean },
  ): Promise<{ state: SessionState; rewrite: boolean } | undefined>;
  /** Writes a new session under a fresh id; the caller has already destroyed the previous one. */
  create(
    state: Omit<SessionState, 'sid'>,
    cookies: Cookies,
    now: number,
  ): Promise<{ state: SessionState; setCookies: string[] }>;
  /**
   * Persists a changed session (a refresh); returns Set-Cookie values. Store mode throws
   * SESSION_EXPIRED, writing nothing, when the session was ended meanwhile.
   */
  save(state: SessionState, cookies: Cookies, now: number): Promise<string[]>;
  /** Extends the rolling lifetime to `state.seenAt + rolling`; returns Set-Cookie values. */
  extend(state: SessionState, cookies: Cookies, now: number): Promise<string[]>;
  /** Ends the session (if any) and returns Set-Cookie values clearing the cookie. */
  destroy(state: SessionState | undefined, cookies: Cookies): Promise<string[]>;
  /**
   * The session id the cookie names, without touching the store (for CSRF tokens). Cookie mode
   * opens the seal; store mode parses `id.secret` (the authenticator checks the secret).
   */
  sessionId(cookies: Cookies): string | undefined;
  /** Set-Cookie values clearing the cookie only. */
  clear(cookies: Cookies): string[];
  /** Cross-process refresh coordination; absent in cookie mode. */
  readonly lease?: {
    acquire(sid: string, owner: string, ttlMs: number): Promise<boolean>;
    release(sid: string, owner: string): Promise<void>;
  };
}

export interface BackendCommon {
  readonly cookieName: string;
  readonly attributes: Omit<CookieAttributes, 'maxAge'>;
  readonly lifetimes: Lifetimes;
  readonly random: RandomBytes;
}

function maxAgeFor(expiresAt: number, now: number): number {
  return Math.max(0, Math.min(MAX_COOKIE_AGE, Math.floor((expiresAt - now) / 1000)));
}

/** Ended cookie-mode sessions, remembered until they would have expired anyway (bounded). */
class Denylist {
  readonly #entries = new Map<string, number>();
  constructor(readonly max: number) {}
  add(sid: string, until: number, now: number): void {
    for (const [k, v] of this.#entries) if (v <= now) this.#entries.delete(k);
    while (this.#entries.size >= this.max) {
      const first = this.#entries.keys().next().value;
      if (first === undefined) break;
      this.#entries.delete(first);
    }
    this.#entries.set(sid, until);
  }
  has(sid: string, now: number): boolean {
    const until = this.#entries.get(sid);
    return until !== undefined && until > now;
  }
}

export interface CookieBackendOptions extends BackendCommon {
  readonly ring: KeyRing;
  readonly now: () => number;
  /** Ended sessions remembered in this process (default 10 000). */
  readonly denylistSize?: number;
  /**
   * The Cookie header size the app reads (`maxCookieHeaderBytes`, default 16 384): a session
   * whose cookies would not fit, with 2 KiB (at most a quarter) to spare for other cookies, is
   * refused with SESSION_TOO_LARGE.
   */
  readonly maxCookieHeaderBytes?: number;
  /** Opened session cookies kept in memory, by value (default 1000; 0 disables). */
  readonly openedCacheSize?: number;
  /**
   * Ended sessions shared by every process (checked on each read, written at destroy). Without
   * it only the in-process denylist applies.
   */
  readonly revocations?: RevocationList | undefined;
}

/**
 * Cookie mode. A session ended by logout is remembered in a bounded in-process denylist and, when
 * `revocations` is set, in a shared store every process checks. Without that store, other
 * processes only learn of it when the access token expires and its (revoked) refresh fails.
 */
export function createCookieBackend(o: CookieBackendOptions): SessionBackend {
  const aad = o.cookieName;
  const denylist = new Denylist(o.denylistSize ?? 10_000);
  // Opened cookies (bounded, first in first out): a browser sends the same value on every
  // request until it changes, and opening it (AES-GCM + JSON) dominates the cost. Keyed by the
  // value's tail (it ends with the GCM tag, unique per seal) and checked against the whole value:
  // hashing a fresh multi-kilobyte string for the lookup cost more than everything else here.
  const opened = new Map<string, { sealed: string; result: { state: SessionState; rewrite: boolean } }>();
  const tail = (sealed: string) => sealed.slice(-24);
  const maxOpened = o.openedCacheSize ?? 1000;
  const revocations = o.revocations;
  /** True when the session was ended here or (with a shared list) anywhere. Fails closed. */
  const ended = async (sid: string): Promise<boolean> => {
    if (denylist.has(sid, o.now())) return true;
    if (!revocations) return false;
    try {
      return await revocations.has(sid);
    } catch (cause) {
      throw storeFailed(cause);
    }
  };
  // Room for the session's own cookies in the Cookie header the app reads back.
  const maxHeader = o.maxCookieHeaderBytes ?? 16_384;
  // Also within what the chunked writer can split it into.
  const maxSessionBytes = Math.min(
    maxHeader - Math.min(2048, Math.floor(maxHeader / 4)),
    MAX_CHUNKS * CHUNK_SIZE,
  );
  const write = (state: SessionState, cookies: Cookies, now: number) => {
    const expiresAt = sessionExpiresAt(state, o.lifetimes);
    const attrs = { ...o.attributes, maxAge: maxAgeFor(expiresAt, now) };
    const sealed = seal(o.ring, aad, encodeSession(state, 'cookie'));
    const chunks = Math.ceil(sealed.length / CHUNK_SIZE);
    // A session the next request could not send back (413) would lock the browser out.
    if (sealed.length + chunks * (o.cookieName.length + 5) > maxSessionBytes) {
      // The operator's report names the fix; the user sees a page saying it is not their fault.
      throw new CognitoAuthError(
        'SESSION_TOO_LARGE',
        `The session (${sealed.length} bytes sealed) does not fit in the ${maxSessionBytes} bytes of cookies ` +
          `this app reads (maxCookieHeaderBytes ${maxHeader}, less room for other cookies): use store mode ` +
          `(session: { mode: 'store', store }), or raise maxCookieHeaderBytes together with Node's --max-http-header-size`,
        { details: { sealedBytes: sealed.length, limitBytes: maxSessionBytes } },
      );
    }
    return writeChunked(o.cookieName, sealed, attrs, cookies);
  };
  const clear = (cookies: Cookies) => clearChunked(o.cookieName, { ...o.attributes, maxAge: 0 }, cookies);
  return {
    mode: 'cookie',
    cookieName: o.cookieName,
    present: (cookies) => cookies.has(o.cookieName) || cookies.has(`${o.cookieName}.0`),
    async read(cookies) {
      const sealed = readChunked(o.cookieName, cookies);
      if (sealed === undefined) return undefined;
      const hit = opened.get(tail(sealed));
      if (hit && hit.sealed === sealed) return (await ended(hit.result.state.sid)) ? undefined : hit.result;
      const json = unseal(o.ring, aad, sealed);
      if (json === undefined) return undefined;
      const decoded = decodeSession(json);
      if (!decoded || (await ended(decoded.state.sid))) return undefined;
      // A cookie sealed with a retired key is re-sealed with the current one.
      const result = { state: decoded.state, rewrite: sealedWithOldKey(o.ring, sealed) };
      if (maxOpened > 0) {
        if (opened.size >= maxOpened) opened.delete(opened.keys().next().value!);
        opened.set(tail(sealed), { sealed, result });
      }
      return result;
    },
    async create(partial, cookies, now) {
      const state: SessionState = { ...partial, sid: randomToken(o.random, 16) };
      return { state, setCookies: write(state, cookies, now) };
    },
    async save(state, cookies, now) {
      return write(state, cookies, now);
    },
    async extend(state, cookies, now) {
      try {
        return write(state, cookies, now);
      } catch (error) {
        // A session readable today but too large to rewrite (a lower cap, a longer key hint):
        // keep the cookie as it is rather than fail every request; it ends at its expiry.
        if (error instanceof CognitoAuthError && error.code === 'SESSION_TOO_LARGE') return [];
        throw error;
      }
    },
    async destroy(state, cookies) {
      if (state) {
        denylist.add(state.sid, state.absoluteExpiresAt, o.now());
        try {
          await revocations?.add(state.sid, state.absoluteExpiresAt, o.now());
        } catch (cause) {
          throw storeFailed(cause);
        }
      }
      return clear(cookies);
    },
    sessionId(cookies) {
      const sealed = readChunked(o.cookieName, cookies);
      const json = sealed === undefined ? undefined : unseal(o.ring, aad, sealed);
      const decoded = json === undefined ? undefined : decodeSession(json);
      return decoded && !denylist.has(decoded.state.sid, o.now()) ? decoded.state.sid : undefined;
    },
    clear,
  };
}

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
}

function storeFailed(cause: unknown): CognitoAuthError {
  return new CognitoAuthError('STORE_FAILED', 'The session store failed', { cause });
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
      this.#entries.delete(oldest);
    }
    this.#entries.set(sid, entry);
  }
  delete(sid: string): void {
    this.#entries.delete(sid);
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
    });
    return expiresAt;
  }
  /** `known`, confirmed current by a store read at `t`; remembered unless a write raced the read. */
  function refreshed(known: Remembered, expiresAt: number, t: number, raced: boolean): Remembered {
    if (raced) return { ...known, expiresAt, checkedAt: t };
    known.expiresAt = expiresAt;
    known.checkedAt = t;
    return known;
  }
  /** The remembered or freshly read session of `id`; undefined when absent or expired. */
  async function load(id: string, revalidate: boolean): Promise<Remembered | undefined> {
    const known = cache.get(id);
    const idHash = known?.idHash ?? hashSessionId(id);
    const t = now();
    if (!revalidate && known && t - known.checkedAt < revalidateAfterMs && known.expiresAt > t) return known;
    const writesBefore = writes;
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
      return refreshed(known, record.expiresAt, t, raced);
    }
    // Same data (a full read after this process's own write, or a store without versions):
    // nothing to parse again; learn the version for the next read.
    if (known && known.data === record.data) {
      if (!raced) known.version = record.version;
      return refreshed(known, record.expiresAt, t, raced);
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
