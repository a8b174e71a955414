/**
 * Store mode: the cookie holds `id.secret`; the session lives in a SessionStore under
 * SHA-256(id). Each process remembers the sessions it served (bounded) and trusts them
 * without a store read only while it is sure nothing changed: within `revalidateAfterMs`
 * (opt-in), or while the store's push channel is live and has not announced a change.
 */
import { timingSafeEqual } from 'node:crypto';
import { type BackendCommon, type Cookies, type SessionBackend, maxAgeFor, storeFailed } from './backends.ts';
import { clearChunked, writeChunked } from './cookies.ts';
import type { KeyRing } from './keys.ts';
import { type SessionState, sessionExpiresAt } from './session-data.ts';
import { recordOrigin } from './session-origin.ts';
import {
  SESSION_SECRET_LENGTH,
  type SessionToken,
  createSessionToken,
  hashSessionId,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatchesHexDigest,
} from './session-id.ts';
import type { Remembered } from './session-cache.ts';
import { createStoreAccess, loadSession, putSession, rememberedSession } from './store-access.ts';
import { openStored, storedDataKey } from './stored-data.ts';
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
  /** Sessions remembered in this process (default 1000; about the least recently used go first). */
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

/** Store mode: the cookie carries `id.secret` only. */
export function createStoreBackend(o: StoreBackendOptions): SessionBackend {
  const { store, now } = o;
  const a = createStoreAccess(o);
  const { cache } = a;
  const put = (state: SessionState, secretHash: string, key: KeyRing, existing = false) =>
    putSession(a, state, secretHash, key, existing);
  const load = (id: string, revalidate: boolean) => loadSession(a, id, revalidate);
  const clear = (cookies: Cookies) => clearChunked(o.cookieName, { ...o.attributes, maxAge: 0 }, cookies);
  const cookieFor = (token: string, expiresAt: number, t: number, cookies: Cookies) =>
    writeChunked(o.cookieName, token, { ...o.attributes, maxAge: maxAgeFor(expiresAt, t) }, cookies);
  const tokenOf = (cookies: Cookies) => {
    const value = cookies.get(o.cookieName);
    return value === undefined ? undefined : parseSessionToken(value);
  };
  // The presented secret's bytes, for the constant-time compare (one buffer, used synchronously).
  const presented = Buffer.alloc(SESSION_SECRET_LENGTH);
  /** True when `secret` is the one whose hash `entry` holds; every request, cached record or not. */
  const secretMatches = (secret: string, entry: Remembered): boolean => {
    if (entry.secret !== undefined) {
      presented.write(secret, 0, 'latin1');
      // The secret that matched before: equal bytes need no new SHA-256.
      if (timingSafeEqual(presented, entry.secret)) return true;
    }
    if (!sessionSecretMatchesHexDigest(secret, entry.secretDigest)) return false;
    entry.secret = Buffer.from(secret, 'latin1');
    return true;
  };
  /** The session `entry` holds, for a cookie whose secret proves it; undefined otherwise. */
  const answer = (token: SessionToken, entry: Remembered) => {
    if (entry.secretDigest.length === 0 || !secretMatches(token.secret, entry)) return undefined;
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
  };
  return {
    mode: 'store',
    cookieName: o.cookieName,
    present: (cookies) => cookies.has(o.cookieName),
    async read(cookies, options) {
      const token = tokenOf(cookies);
      if (!token) return undefined;
      const entry = await load(token.id, options?.revalidate === true);
      return entry && answer(token, entry);
    },
    // Only where a session can be trusted without a read (a channel, or a revalidation window):
    // elsewhere the authenticator goes straight to `read` without parsing the cookie twice.
    readSync: a.remembers
      ? (cookies) => {
          const token = tokenOf(cookies);
          const entry = token && rememberedSession(a, token.id);
          return entry ? answer(token!, entry) : undefined;
        }
      : undefined,
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
        a.writes++;
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
