/**
 * Where a session lives. Cookie mode: the whole session sealed in the (chunked) cookie.
 * Store mode: the cookie holds `id.secret`; the session lives in a SessionStore under SHA-256(id).
 * Both present the same small interface to the login handlers and the authenticator.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import { type RandomBytes, randomToken } from '../util/random.ts';
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
  type Lifetimes,
  type SessionState,
  decodeSession,
  encodeSession,
  sessionExpiresAt,
} from './session-data.ts';
import type { RevocationList } from './revocation.ts';
import { type SessionOrigins, recordOrigin } from './session-origin.ts';

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
  /**
   * Optional: what `read` would answer, when that needs no I/O (store mode: a remembered session
   * this process may trust without asking the store); undefined otherwise, then call `read`.
   */
  readSync?(cookies: Cookies): { state: SessionState; rewrite: boolean } | undefined;
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
  /**
   * The origin deny-list: `destroy` records the ended session's `origin_jti` there, so that
   * verifiers given the same list refuse its access and ID tokens.
   */
  readonly origins?: SessionOrigins | undefined;
}

export function maxAgeFor(expiresAt: number, now: number): number {
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
          await recordOrigin(o.origins, state, o.now());
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

export function storeFailed(cause: unknown): CognitoAuthError {
  return new CognitoAuthError('STORE_FAILED', 'The session store failed', { cause });
}

export { createStoreBackend, type StoreBackendOptions } from './store-backend.ts';
