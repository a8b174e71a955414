/**
 * The user and group replica: Cognito stays the source of truth, the app's store keeps a copy it
 * can join to. Updated from tokens (this file), trigger webhooks (webhook-route.ts) and the full
 * sync (src/sync). This file is the policy: what to merge, when to write, whom to refuse, which
 * hooks to fire. The storage is a `UserStore` port (user-store.ts); `cognito-code-grant/kysely`
 * gives the SQL one. A bounded in-memory cache of what was last written per user makes the
 * steady path (the same token again and again) cost no read and no write.
 */
import { CognitoAuthError } from '../errors/errors.ts';
import type { PrincipalHook } from '../principal/principal.ts';
import { uniqueSorted } from './normalize.ts';
import { createReplicaEvents } from './replica-events.ts';
import { createSteadyCache, type ReplicaCacheOptions } from './steady-cache.ts';
import { createTokenPath } from './token-path.ts';
import type { ApplyResult, Replica, ReplicaHooks, ReplicaSource, UserState } from './types.ts';
import { userFields } from './user-fields.ts';
import type { StoredUser, UserStore } from './user-store.ts';
import { type Desired, type ReplicaCore, upsertUser } from './write-path.ts';

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

/** Creates the replica over any `UserStore` (see `createReplica` in `cognito-code-grant/kysely`). */
export function createUserReplica(store: UserStore, options: UserReplicaOptions = {}): Replica {
  const now = options.now ?? Date.now;
  const updateOn = options.updateOn ?? 'login';
  if (updateOn !== 'login' && updateOn !== 'always')
    throw new CognitoAuthError('CONFIG_INVALID', 'updateOn must be "login" or "always"');
  const seenResolution = options.lastSeenResolutionMs ?? 3_600_000;
  const events = createReplicaEvents(options.hooks ?? {}, options.onHookError);
  const cache = createSteadyCache(options);
  const core: ReplicaCore = { store, now, cache, events };
  const syncFromPrincipal = createTokenPath(core, {
    updateOn,
    linkByEmail: options.linkByEmail === true,
    seenResolution,
  });

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
      return upsertUser(core, state.poolId, state.sub, merge, source, {
        login: state.login === true,
        refuse: false,
      });
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
