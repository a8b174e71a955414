/**
 * Where a session lives. Cookie mode: the whole session sealed in the (chunked) cookie.
 * Store mode: the cookie holds `id.secret`; the session lives in a SessionStore under SHA-256(id).
 * Both present the same small interface to the login handlers and the authenticator.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { type RandomBytes, randomToken } from '../oauth/random.ts';
import { type CookieAttributes, MAX_COOKIE_AGE, clearChunked, readChunked, writeChunked } from './cookies.ts';
import type { KeyRing } from './keys.ts';
import { seal, sealedWithOldKey, unseal } from './seal.ts';
import {
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
  sessionSecretMatches,
} from './session-id.ts';
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
   * when the cookie should be re-issued now (sealed with a retired key).
   */
  read(cookies: Cookies): Promise<{ state: SessionState; rewrite: boolean } | undefined>;
  /** Writes a new session under a fresh id; the caller has already destroyed the previous one. */
  create(
    state: Omit<SessionState, 'sid'>,
    cookies: Cookies,
    now: number,
  ): Promise<{ state: SessionState; setCookies: string[] }>;
  /** Persists a changed session (a refresh); returns Set-Cookie values. */
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
  /** Opened session cookies kept in memory, by value (default 1000; 0 disables). */
  readonly openedCacheSize?: number;
}

/**
 * Cookie mode. A session ended by logout is remembered in a bounded in-process denylist; other
 * processes only learn of it when the access token expires and its (revoked) refresh fails.
 */
export function createCookieBackend(o: CookieBackendOptions): SessionBackend {
  const aad = o.cookieName;
  const denylist = new Denylist(o.denylistSize ?? 10_000);
  // Opened cookies by sealed value (bounded, first in first out): a browser sends the same value
  // on every request until it changes, and opening it (AES-GCM + JSON) dominates the cost.
  const opened = new Map<string, { state: SessionState; rewrite: boolean }>();
  const maxOpened = o.openedCacheSize ?? 1000;
  const write = (state: SessionState, cookies: Cookies, now: number) => {
    const expiresAt = sessionExpiresAt(state, o.lifetimes);
    const attrs = { ...o.attributes, maxAge: maxAgeFor(expiresAt, now) };
    return writeChunked(o.cookieName, seal(o.ring, aad, encodeSession(state, 'cookie')), attrs, cookies);
  };
  const clear = (cookies: Cookies) => clearChunked(o.cookieName, { ...o.attributes, maxAge: 0 }, cookies);
  return {
    mode: 'cookie',
    cookieName: o.cookieName,
    present: (cookies) => cookies.has(o.cookieName) || cookies.has(`${o.cookieName}.0`),
    async read(cookies) {
      const sealed = readChunked(o.cookieName, cookies);
      if (sealed === undefined) return undefined;
      const hit = opened.get(sealed);
      if (hit) return denylist.has(hit.state.sid, o.now()) ? undefined : hit;
      const json = unseal(o.ring, aad, sealed);
      if (json === undefined) return undefined;
      const decoded = decodeSession(json);
      if (!decoded || denylist.has(decoded.state.sid, o.now())) return undefined;
      // A cookie sealed with a retired key is re-sealed with the current one.
      const result = { state: decoded.state, rewrite: sealedWithOldKey(o.ring, sealed) };
      if (maxOpened > 0) {
        if (opened.size >= maxOpened) opened.delete(opened.keys().next().value!);
        opened.set(sealed, result);
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
      return write(state, cookies, now);
    },
    async destroy(state, cookies) {
      if (state) denylist.add(state.sid, state.absoluteExpiresAt, o.now());
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
}

function storeFailed(cause: unknown): CognitoAuthError {
  return new CognitoAuthError('STORE_FAILED', 'The session store failed', { cause });
}

/** Store mode: the cookie carries `id.secret` only. */
export function createStoreBackend(o: StoreBackendOptions): SessionBackend {
  const { store } = o;
  // Decoded records by their JSON (bounded): parsing dominates a read once the store answered.
  const decodedCache = new Map<string, ReturnType<typeof decodeSession>>();
  const decode = (data: string, id: string) => {
    const key = `${id}\n${data}`;
    let d = decodedCache.get(key);
    if (d === undefined) {
      d = decodeSession(data, id);
      if (decodedCache.size >= 1000) decodedCache.delete(decodedCache.keys().next().value!);
      decodedCache.set(key, d);
    }
    return d;
  };
  const clear = (cookies: Cookies) => clearChunked(o.cookieName, { ...o.attributes, maxAge: 0 }, cookies);
  const cookieFor = (token: string, expiresAt: number, now: number, cookies: Cookies) =>
    writeChunked(o.cookieName, token, { ...o.attributes, maxAge: maxAgeFor(expiresAt, now) }, cookies);
  async function put(state: SessionState, secretHash: string): Promise<number> {
    const expiresAt = sessionExpiresAt(state, o.lifetimes);
    try {
      await store.set(hashSessionId(state.sid), {
        data: encodeSession(state, { secretHash }),
        userSub: state.principal.sub,
        expiresAt,
      });
    } catch (cause) {
      throw storeFailed(cause);
    }
    return expiresAt;
  }
  return {
    mode: 'store',
    cookieName: o.cookieName,
    present: (cookies) => cookies.has(o.cookieName),
    async read(cookies) {
      const value = cookies.get(o.cookieName);
      const token = value === undefined ? undefined : parseSessionToken(value);
      if (!token) return undefined;
      let record: Awaited<ReturnType<SessionStore['get']>>;
      try {
        record = await store.get(hashSessionId(token.id));
      } catch (cause) {
        throw storeFailed(cause);
      }
      if (!record) return undefined;
      const decoded = decode(record.data, token.id);
      if (!decoded?.secretHash || !sessionSecretMatches(token.secret, decoded.secretHash)) return undefined;
      // The store's expiry is authoritative for the rolling window (touch moves it without a rewrite).
      const seenAt = Math.max(decoded.state.seenAt, record.expiresAt - o.lifetimes.rollingMs);
      return { state: { ...decoded.state, seenAt }, rewrite: false };
    },
    async create(partial, cookies, now) {
      const token = createSessionToken(o.random);
      const state: SessionState = { ...partial, sid: token.id };
      const expiresAt = await put(state, hashSessionSecret(token.secret));
      return { state, setCookies: cookieFor(token.token, expiresAt, now, cookies) };
    },
    async save(state, cookies, now) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const secretHash = token && token.id === state.sid ? hashSessionSecret(token.secret) : undefined;
      if (secretHash === undefined) {
        // Saving a session whose cookie is not in this request (another process refreshed it):
        // re-read the hash from the store so the data can be rewritten without the secret.
        const record = await store.get(hashSessionId(state.sid)).catch((cause) => {
          throw storeFailed(cause);
        });
        const decoded = record && decodeSession(record.data, state.sid);
        if (!decoded?.secretHash) return [];
        await put(state, decoded.secretHash);
        return [];
      }
      const expiresAt = await put(state, secretHash);
      // Extend the cookie with the rolling window; the value is unchanged.
      return token ? cookieFor(token.token, expiresAt, now, cookies) : [];
    },
    async extend(state, cookies, now) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const expiresAt = sessionExpiresAt(state, o.lifetimes);
      try {
        await store.touch(hashSessionId(state.sid), expiresAt);
      } catch (cause) {
        throw storeFailed(cause);
      }
      return token && token.id === state.sid ? cookieFor(token.token, expiresAt, now, cookies) : [];
    },
    async destroy(state, cookies) {
      const token = parseSessionToken(cookies.get(o.cookieName) ?? '');
      const sid = state?.sid ?? token?.id;
      if (sid !== undefined) {
        try {
          await store.delete(hashSessionId(sid));
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
