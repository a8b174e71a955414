/**
 * The user and group replica: Cognito stays the source of truth, the app's store keeps a copy it
 * can join to. Updated from tokens (this file), trigger webhooks (webhook-route.ts) and the full
 * sync (src/sync). This file is the policy: what to merge, when to write, whom to refuse, which
 * hooks to fire. The storage is a `UserStore` port (user-store.ts); `cognito-code-grant/kysely`
 * gives the SQL one. A bounded in-memory cache of what was last written per user makes the
 * steady path (the same token again and again) cost no read and no write.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { Principal, PrincipalHook } from '../principal/principal.ts';
import { emailLowerOf, principalFacts, sameList, uniqueSorted, userFingerprint } from './normalize.ts';
import { createReplicaEvents } from './replica-events.ts';
import { type CacheEntry, createSteadyCache, type ReplicaCacheOptions } from './steady-cache.ts';
import type { ApplyResult, Replica, ReplicaHooks, ReplicaSource, ReplicaUser, UserState } from './types.ts';
import { userFields } from './user-fields.ts';
import type { StoredUser, UserStore, UserUpdate } from './user-store.ts';

export interface UserReplicaOptions extends ReplicaCacheOptions {
  /** Default pool for lookups and the pool webhook events must come from. */
  readonly poolId?: string;
  /** `login` (default): tokens update the replica at login only (first sight still inserts); `always`: on every request. */
  readonly updateOn?: 'login' | 'always';
  /** Link a pre-existing local row (`sub` null, same pool) by e-mail. Requires `email_verified`. Default false. */
  readonly linkByEmail?: boolean;
  readonly hooks?: ReplicaHooks;
  /** Called when a hook throws; without it the hook's error propagates (after the write committed). */
  readonly onHookError?: (error: unknown, hook: keyof ReplicaHooks) => void;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** `last_seen_at` is written at most this often per user. Default 1 hour. */
  readonly lastSeenResolutionMs?: number;
}

/** The wanted state of a user, from a token or a full user state. */
interface Desired {
  username: string | null;
  attributes: Record<string, string>;
  status: string | null;
  enabled: boolean;
  groups: string[] | undefined;
  undelete: boolean;
}

/** Creates the replica over any `UserStore` (see `createReplica` in `cognito-code-grant/kysely`). */
export function createUserReplica(store: UserStore, options: UserReplicaOptions = {}): Replica {
  const now = options.now ?? Date.now;
  const updateOn = options.updateOn ?? 'login';
  if (updateOn !== 'login' && updateOn !== 'always')
    throw new CognitoAuthError('CONFIG_INVALID', 'updateOn must be "login" or "always"');
  const seenResolution = options.lastSeenResolutionMs ?? 3_600_000;
  const events = createReplicaEvents(options.hooks ?? {}, options.onHookError);
  const cache = createSteadyCache(options);
  const inflight = new Map<string, Promise<Principal>>();

  function refuse(user: ReplicaUser): void {
    if (user.deletedAt !== null) throw new CognitoAuthError('USER_DELETED', 'user has been deleted');
    if (!user.enabled) throw new CognitoAuthError('USER_DISABLED', 'user is disabled');
  }

  function needsWrite(cur: StoredUser, d: Desired, login: boolean): boolean {
    if (login) return true;
    if (d.undelete && cur.user.deletedAt !== null) return true;
    if (userFingerprint(d) !== cur.fingerprint) return true;
    return d.groups !== undefined && !sameList(d.groups, cur.groups);
  }

  /**
   * The one write path: insert a skeleton row if missing (racing inserts collapse in the store),
   * then, under the user's lock, re-read, re-check and write only a real change. Hooks run after
   * the commit.
   */
  async function upsert(
    poolId: string,
    sub: string,
    merge: (cur: StoredUser | null) => Desired,
    source: ReplicaSource,
    opts: { login: boolean; refuse: boolean; known?: StoredUser | null },
  ): Promise<ApplyResult> {
    const cur = opts.known !== undefined ? opts.known : await store.find(poolId, sub);
    if (cur && opts.refuse) refuse(cur.user);
    if (!cur) await store.insertIfMissing(poolId, sub, now());
    else if (!needsWrite(cur, merge(cur), opts.login))
      return { user: cur.user, created: false, updated: false, groupsAdded: [], groupsRemoved: [] };
    const ts = now();
    let fieldsChanged = false;
    const decide = (locked: StoredUser): UserUpdate | null => {
      if (opts.refuse) refuse(locked.user);
      const d = merge(locked);
      fieldsChanged = false;
      if (!needsWrite(locked, d, opts.login)) return null;
      const fields = userFields(d);
      fieldsChanged =
        fields.fingerprint !== locked.fingerprint || (d.undelete && locked.user.deletedAt !== null);
      const groups = d.groups !== undefined && !sameList(d.groups, locked.groups) ? d.groups : undefined;
      const keepSeen = source === 'sync' || source === 'webhook';
      return {
        ...(fieldsChanged ? { fields, undelete: d.undelete } : {}),
        ...(opts.login
          ? { lastLoginAt: ts, lastSeenAt: ts }
          : fieldsChanged && !keepSeen
            ? { lastSeenAt: ts }
            : {}),
        ...(groups ? { groups } : {}),
      };
    };
    const out = await store.update(poolId, sub, decide, ts);
    if (!out) throw new CognitoAuthError('STORE_FAILED', 'replica row vanished during upsert');
    // A freshly inserted skeleton has no fingerprint. Whoever first fills it in (under the lock,
    // so exactly one writer) announces the creation, whichever racer inserted it.
    const skeleton = out.before.fingerprint === null;
    const written = out.after !== out.before;
    const created = written && skeleton;
    const updated = written && fieldsChanged && !skeleton;
    cache.remember(poolId, sub, out.after);
    if (created) await events.userCreated(out.after.user, source);
    else if (updated) await events.userUpdated(out.after.user, out.before.user, source);
    if (out.groupsAdded.length > 0 || out.groupsRemoved.length > 0)
      await events.groupsChanged(out.after.user, out.groupsAdded, out.groupsRemoved, source);
    return {
      user: out.after.user,
      created,
      updated,
      groupsAdded: out.groupsAdded,
      groupsRemoved: out.groupsRemoved,
    };
  }

  async function slowPath(principal: Principal, trigger: 'login' | 'bearer' | 'session'): Promise<Principal> {
    const poolId = principal.userPoolId;
    const facts = principalFacts(principal);
    let known = await store.find(poolId, principal.sub);
    if (known) refuse(known.user);
    if (!known && options.linkByEmail === true && principal.emailVerified === true && principal.email) {
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
    const res = await upsert(poolId, principal.sub, merge, trigger, {
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

  const poolOf = (poolId: string | undefined): string => {
    const p = poolId ?? options.poolId;
    if (!p)
      throw new CognitoAuthError('CONFIG_INVALID', 'no pool id given and the replica has no default poolId');
    return p;
  };

  const replica: Replica = {
    poolId: options.poolId,
    events,
    syncFromPrincipal,
    hook(): PrincipalHook {
      return (principal, context) => syncFromPrincipal(principal, context.trigger);
    },
    applyUserState(state: UserState, source: ReplicaSource): Promise<ApplyResult> {
      const attributes = { ...state.attributes };
      delete attributes.sub;
      const groups = state.groups === undefined ? undefined : uniqueSorted(state.groups);
      const merge = (cur: StoredUser | null): Desired => ({
        username: state.username ?? cur?.user.username ?? null,
        attributes,
        status: state.status !== undefined ? state.status : (cur?.user.status ?? null),
        enabled: state.enabled ?? cur?.user.enabled ?? true,
        groups,
        undelete: true,
      });
      return upsert(state.poolId, state.sub, merge, source, { login: state.login === true, refuse: false });
    },
    async deleteUser(poolId, sub, source) {
      const out = await store.softDelete(poolId, sub, now());
      cache.forget(poolId, sub);
      if (!out) return null;
      if (out.changed) await events.userDeleted(out.user, source);
      return out.user;
    },
    async setEnabled(poolId, sub, enabled, source) {
      const out = await store.update(
        poolId,
        sub,
        (cur) => (cur.user.enabled === enabled ? null : { fields: userFields({ ...cur.user, enabled }) }),
        now(),
      );
      cache.forget(poolId, sub);
      if (!out) return null;
      if (out.after !== out.before) await events.userUpdated(out.after.user, out.before.user, source);
      return out.after.user;
    },
    async upsertGroup(poolId, group) {
      await store.upsertGroup(poolId, group, now());
    },
    async deleteGroup(poolId, name, source) {
      const members = await store.deleteGroup(poolId, name, events.has('groupsChanged'));
      if (!members) return false;
      // Cached group sets of other users are now stale.
      cache.clear();
      for (const user of members) await events.groupsChanged(user, [], [name], source);
      return true;
    },
    async changeMembership(poolId, sub, group, member, source) {
      const out = await store.update(
        poolId,
        sub,
        (cur) => {
          if (cur.groups.includes(group) === member) return null;
          const next = member ? [...cur.groups, group] : cur.groups.filter((g) => g !== group);
          return { groups: uniqueSorted(next) };
        },
        now(),
      );
      cache.forget(poolId, sub);
      if (out && out.after !== out.before)
        await events.groupsChanged(out.after.user, member ? [group] : [], member ? [] : [group], source);
    },
    async getUserBySub(sub, poolId) {
      return (await store.find(poolOf(poolId), sub))?.user ?? null;
    },
    getUserById: (id) => store.findById(id),
    getUserGroups: (userId) => store.groupsOf(userId),
    listUsersInGroup(name, opts = {}) {
      return store.listUsersInGroup(poolOf(opts.poolId), name, {
        limit: opts.limit ?? 1000,
        afterId: opts.afterId ?? 0,
      });
    },
    listGroups: (poolId) => store.listGroups(poolOf(poolId)),
    claimWebhookEvent: (eventId, bodyHash, triggerSource) =>
      store.claimWebhookEvent(eventId, bodyHash, triggerSource, now()),
    releaseWebhookEvent: (eventId) => store.releaseWebhookEvent(eventId),
    pruneWebhookEvents: (olderThanMs) => store.pruneWebhookEvents(olderThanMs),
    clearCache() {
      cache.clear();
    },
  };
  return Object.freeze(replica);
}
