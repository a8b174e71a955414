/**
 * The token path: a principal from a verified token brought into the replica. The steady path
 * (the same token again) is answered from the cache with no read and no write; otherwise one
 * store round per user at a time in this process.
 */
import type { Principal } from '../principal/principal.ts';
import { emailLowerOf, principalFacts, sameList, userFingerprint } from './normalize.ts';
import type { CacheEntry } from './steady-cache.ts';
import type { StoredUser } from './user-store.ts';
import { type Desired, type ReplicaCore, refuse, upsertUser } from './write-path.ts';

export interface TokenPathOptions {
  readonly updateOn: 'login' | 'always';
  readonly linkByEmail: boolean;
  /** `last_seen_at` is written at most this often per user. */
  readonly seenResolution: number;
}

export type SyncFromPrincipal = (
  principal: Principal,
  trigger: 'login' | 'bearer' | 'session',
) => Promise<Principal>;

export function createTokenPath(core: ReplicaCore, o: TokenPathOptions): SyncFromPrincipal {
  const { store, now, cache } = core;
  const { updateOn, seenResolution } = o;
  const inflight = new Map<string, Promise<Principal>>();

  async function slowPath(principal: Principal, trigger: 'login' | 'bearer' | 'session'): Promise<Principal> {
    const poolId = principal.userPoolId;
    const facts = principalFacts(principal);
    let known = await store.find(poolId, principal.sub);
    if (known) refuse(known.user);
    if (!known && o.linkByEmail && principal.emailVerified === true && principal.email) {
      const lower = emailLowerOf(principal.email);
      if (lower !== null && (await store.linkByEmail(poolId, principal.sub, lower, now())))
        known = await store.find(poolId, principal.sub);
    }
    const update =
      trigger === 'login' || updateOn === 'always' || known === null || known.fingerprint === null;
    if (known && !update) {
      cache.remember(poolId, principal.sub, known);
      return withId(principal, known.user.id);
    }
    const merge = (cur: StoredUser | null): Desired => ({
      username: facts.username ?? cur?.user.username ?? null,
      // Tokens carry only some attributes (access tokens none): merge, never drop.
      attributes: { ...(cur?.user.attributes ?? {}), ...facts.attributes },
      status: cur?.user.status ?? (facts.federated ? 'EXTERNAL_PROVIDER' : 'CONFIRMED'),
      enabled: cur?.user.enabled ?? true,
      groups: facts.groups,
      undelete: false,
    });
    const res = await upsertUser(core, poolId, principal.sub, merge, trigger, {
      login: trigger === 'login',
      refuse: true,
      known,
    });
    return withId(principal, res.user.id);
  }

  function withId(principal: Principal, id: number): Principal {
    return principal.replicaUserId === id ? principal : Object.freeze({ ...principal, replicaUserId: id });
  }

  /** The cached answer when the entry is fresh and the token brings no change, else undefined. */
  async function fromCache(
    entry: CacheEntry,
    principal: Principal,
    ts: number,
  ): Promise<Principal | undefined> {
    refuse(entry.user);
    let fresh = updateOn === 'login';
    if (!fresh) {
      const facts = principalFacts(principal);
      const d = {
        username: facts.username ?? entry.user.username,
        attributes: { ...entry.user.attributes, ...facts.attributes },
        status: entry.user.status,
        enabled: entry.user.enabled,
      };
      fresh = userFingerprint(d) === entry.fingerprint && sameList(facts.groups, entry.groups);
    }
    if (!fresh) return undefined;
    if (ts - (entry.user.lastSeenAt ?? 0) >= seenResolution) {
      await store.touchLastSeen(entry.user.id, ts);
      entry.user = Object.freeze({ ...entry.user, lastSeenAt: ts });
    }
    return withId(principal, entry.user.id);
  }

  async function syncFromPrincipal(
    principal: Principal,
    trigger: 'login' | 'bearer' | 'session',
  ): Promise<Principal> {
    if (principal.isMachine) return principal;
    const poolId = principal.userPoolId;
    const ts = now();
    const entry = cache.get(poolId, principal.sub);
    if (entry && trigger !== 'login' && cache.isFresh(entry, ts)) {
      const answer = await fromCache(entry, principal, ts);
      if (answer) return answer;
    }
    // One store round per user at a time in this process; racing processes meet in the store.
    const k = `${poolId}\u0000${principal.sub}`;
    const running = inflight.get(k);
    if (running) return withId(principal, (await running).replicaUserId as number);
    let slow = slowPath(principal, trigger);
    if (entry) {
      slow = cache.orLastKnown(slow, entry, ts, (user) => {
        refuse(user);
        return withId(principal, user.id);
      });
    }
    const p = slow.finally(() => inflight.delete(k));
    inflight.set(k, p);
    return p;
  }
  return syncFromPrincipal;
}
