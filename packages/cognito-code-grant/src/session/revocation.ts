/**
 * Cookie mode's shared record of ended sessions. A sealed cookie cannot be recalled, so a logout
 * is made effective everywhere by recording the session id (hashed) until the session's absolute
 * expiry in a store every process checks.
 */
import { batchedGet } from './batched-get.ts';
import { hashSessionId } from './session-id.ts';
import type { SessionStore } from './store.ts';

/** The minimal port: remember a key for `ttlMs`; tell whether it is still remembered. */
export interface RevocationPort {
  set(key: string, ttlMs: number): Promise<void>;
  has(key: string): Promise<boolean>;
}

/** A SessionStore (memory, SQL, Redis) or the minimal port. */
export type RevocationStore = SessionStore | RevocationPort;

/** What the cookie backend uses: ended session ids, by their raw id. */
export interface RevocationList {
  add(sid: string, until: number, now: number): Promise<void>;
  has(sid: string): Promise<boolean>;
}

function isSessionStore(s: RevocationStore): s is SessionStore {
  return typeof (s as SessionStore).get === 'function' && typeof (s as SessionStore).delete === 'function';
}

/** True for a SessionStore or a `{ set, has }` port. */
export function isRevocationStore(value: unknown): value is RevocationStore {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v['get'] === 'function' && typeof v['set'] === 'function' && typeof v['delete'] === 'function')
    return true;
  return typeof v['set'] === 'function' && typeof v['has'] === 'function';
}

/**
 * The key of an ended session: SHA-256 of a domain-separated id (64 hex, like store-mode keys,
 * never equal to one of them), so neither the store nor its dump reveals session ids.
 */
export function revocationKey(sid: string): string {
  return hashSessionId(`revoked:${sid}`);
}

/** Adapts a RevocationStore to the list the cookie backend uses. */
export function revocationList(store: RevocationStore): RevocationList {
  if (isSessionStore(store)) {
    // Checked on every request: checks that arrive together share one round trip.
    const get = batchedGet(store);
    return {
      async add(sid, until, now) {
        if (until <= now) return;
        await store.set(revocationKey(sid), { data: '{"revoked":true}', userSub: null, expiresAt: until });
      },
      async has(sid) {
        return (await get(revocationKey(sid))) !== undefined;
      },
    };
  }
  return {
    async add(sid, until, now) {
      if (until <= now) return;
      await store.set(revocationKey(sid), until - now);
    },
    has: (sid) => store.has(revocationKey(sid)),
  };
}
