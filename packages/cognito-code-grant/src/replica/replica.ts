/**
 * The user and group replica: Cognito stays the source of truth, the app's database keeps a copy
 * it can join to. Updated from tokens (this file), trigger webhooks (webhook-route.ts) and the
 * full sync (src/sync). A bounded in-memory cache of what was last written per user makes the
 * steady path (the same token again and again) cost no database read and no write.
 */
import { channels } from '../observability/channels.ts';
import type { Kysely, Transaction } from 'kysely';
import { CognitoAuthError } from '../errors/errors.ts';
import type { Principal, PrincipalHook } from '../principal/principal.ts';
import { rowToGroup, rowToUser, type UserRow, UserStore } from '../store/kysely/user-store.ts';
import {
  emailLowerOf,
  emailOf,
  emailVerifiedOf,
  principalFacts,
  sameList,
  sortAttributes,
  uniqueSorted,
  userFingerprint,
} from './normalize.ts';
import type {
  ApplyResult,
  Replica,
  ReplicaEvents,
  ReplicaGroup,
  ReplicaHooks,
  ReplicaSource,
  ReplicaUser,
  UserState,
} from './types.ts';

export interface ReplicaOptions {
  readonly db: Kysely<any>;
  /** Default pool for lookups and the pool webhook events must come from. */
  readonly poolId?: string;
  /** Default `cognito_`. */
  readonly tablePrefix?: string;
  /** `login` (default): tokens update the replica at login only (first sight still inserts); `always`: on every request. */
  readonly updateOn?: 'login' | 'always';
  /** Link a pre-existing local row (`sub` null, same pool) by e-mail. Requires `email_verified`. Default false. */
  readonly linkByEmail?: boolean;
  readonly hooks?: ReplicaHooks;
  /** Called when a hook throws; without it the hook's error propagates (after the write committed). */
  readonly onHookError?: (error: unknown, hook: keyof ReplicaHooks) => void;
  /** Epoch milliseconds. */
  readonly now?: () => number;
  /** Users remembered by the steady-path cache. Default 10,000. */
  readonly cacheSize?: number;
  /** How long a cached user is trusted before one read re-checks it (disable/delete by another process). Default 60 s. */
  readonly cacheTtlMs?: number;
  /** `last_seen_at` is written at most this often per user. Default 1 hour. */
  readonly lastSeenResolutionMs?: number;
  /**
   * What a token or session request gets when its user must be re-read (cache entry older than
   * `cacheTtlMs`, or a change to write) and the database fails: `'fail-closed'` (default) throws
   * STORE_FAILED, so a user disabled or deleted meanwhile is never let in;
   * `{ serveLastKnownForMs }` answers from this process's last read of the user for up to that
   * long after the read (a user disabled during the outage keeps access that long). See
   * docs/replica.md.
   */
  readonly onStoreOutage?: 'fail-closed' | { readonly serveLastKnownForMs: number };
  /**
   * Told when a request was answered from the last known user because the database failed:
   * once per outage (again after a read succeeded). Default: a one-line `console.warn`.
   */
  readonly onDegraded?: (error: unknown) => void;
}

interface CacheEntry {
  user: ReplicaUser;
  groups: string[];
  fingerprint: string | null;
  checkedAt: number;
}

interface Desired {
  username: string | null;
  attributes: Record<string, string>;
  status: string | null;
  enabled: boolean;
  groups: string[] | undefined;
  undelete: boolean;
}

interface Loaded {
  row: UserRow;
  user: ReplicaUser;
  groups: string[];
}

function lastKnownWindow(outage: ReplicaOptions['onStoreOutage']): number {
  if (outage === undefined || outage === 'fail-closed') return 0;
  const ms = (outage as { serveLastKnownForMs?: unknown } | null)?.serveLastKnownForMs;
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0)
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      'onStoreOutage must be "fail-closed" or { serveLastKnownForMs: a number > 0 }',
    );
  return ms;
}

/** Creates the replica over a migrated database (see `migrate`). */
export function createReplica(options: ReplicaOptions): Replica {
  const store = new UserStore(options.db, options.tablePrefix ?? 'cognito_');
  const t = store.t;
  const now = options.now ?? Date.now;
  const updateOn = options.updateOn ?? 'login';
  if (updateOn !== 'login' && updateOn !== 'always')
    throw new CognitoAuthError('CONFIG_INVALID', 'updateOn must be "login" or "always"');
  const cacheSize = options.cacheSize ?? 10_000;
  const cacheTtl = options.cacheTtlMs ?? 60_000;
  const seenResolution = options.lastSeenResolutionMs ?? 3_600_000;
  const hooks = options.hooks ?? {};
  const serveLastKnownMs = lastKnownWindow(options.onStoreOutage);
  const onDegraded =
    options.onDegraded ??
    ((error: unknown) =>
      console.warn(
        `[cognito-code-grant] replica database failed; serving last known users: ${(error as Error)?.message}`,
      ));
  let degraded = false;
  const cache = new Map<string, CacheEntry>();
  const inflight = new Map<string, Promise<Principal>>();

  const key = (poolId: string, sub: string) => `${poolId}\u0000${sub}`;
  const remember = (poolId: string, sub: string, entry: CacheEntry) => {
    const k = key(poolId, sub);
    cache.delete(k);
    cache.set(k, entry);
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value as string);
  };
  const forget = (poolId: string, sub: string | null) => {
    if (sub !== null) cache.delete(key(poolId, sub));
  };

  async function fire<K extends keyof ReplicaHooks>(
    name: K,
    event: Parameters<NonNullable<ReplicaHooks[K]>>[0],
  ) {
    if (channels.replicaWrite.hasSubscribers) {
      const { user, source } = event as { user: ReplicaUser; source: ReplicaSource };
      channels.replicaWrite.publish({ operation: name, userPoolId: user.poolId, sub: user.sub, source });
    }
    const fn = hooks[name] as ((e: typeof event) => unknown) | undefined;
    if (!fn) return;
    try {
      await fn.call(hooks, event);
    } catch (error) {
      if (!options.onHookError) throw error;
      options.onHookError(error, name);
    }
  }

  const events: ReplicaEvents = {
    userCreated: (user, source) => fire('userCreated', { user, source }),
    userUpdated: (user, previous, source) => fire('userUpdated', { user, previous, source }),
    groupsChanged: (user, added, removed, source) => fire('groupsChanged', { user, added, removed, source }),
    userDeleted: (user, source) => fire('userDeleted', { user, source }),
    // Subscribers of the replica:write channel need the events too.
    has: (name) => typeof hooks[name] === 'function' || channels.replicaWrite.hasSubscribers,
  };

  async function load(
    db: Kysely<any> | Transaction<any>,
    poolId: string,
    sub: string,
    lock = false,
  ): Promise<Loaded | null> {
    const row = await store.findBySub(db, poolId, sub, lock);
    if (!row) return null;
    return { row, user: rowToUser(row), groups: await store.groupNames(db, Number(row.id)) };
  }

  function refuse(user: ReplicaUser): void {
    if (user.deletedAt !== null) throw new CognitoAuthError('USER_DELETED', 'user has been deleted');
    if (!user.enabled) throw new CognitoAuthError('USER_DISABLED', 'user is disabled');
  }

  function needsWrite(cur: Loaded, d: Desired, login: boolean): boolean {
    if (login) return true;
    if (d.undelete && cur.user.deletedAt !== null) return true;
    if (userFingerprint(d) !== cur.row.fingerprint) return true;
    return d.groups !== undefined && !sameList(d.groups, cur.groups);
  }

  /**
   * The one write path: insert a skeleton row if missing (racing inserts collapse on the unique
   * key), then, in a transaction holding the row lock, re-read, re-check and write only a real
   * change. Hooks run after the commit.
   */
  async function upsert(
    poolId: string,
    sub: string,
    merge: (cur: Loaded | null) => Desired,
    source: ReplicaSource,
    opts: { login: boolean; refuse: boolean; known?: Loaded | null },
  ): Promise<ApplyResult & { row: UserRow; groups: string[] }> {
    let cur = opts.known !== undefined ? opts.known : await store.read(() => load(store.db, poolId, sub));
    if (cur && opts.refuse) refuse(cur.user);
    if (!cur) {
      const ts = now();
      // A write: on MySQL a racing INSERT of the same key can deadlock, and is retried.
      await store.write(() =>
        store.insertIgnore(
          store.db,
          t.users,
          { pool_id: poolId, sub, attributes: '{}', enabled: 1, created_at: ts, updated_at: ts },
          ['pool_id', 'sub'],
        ),
      );
    } else if (!needsWrite(cur, merge(cur), opts.login)) {
      return { ...cur, created: false, updated: false, groupsAdded: [], groupsRemoved: [] };
    }
    const out = await store.transaction(async (trx) => {
      cur = await load(trx, poolId, sub, true);
      if (!cur) throw new CognitoAuthError('STORE_FAILED', 'replica row vanished during upsert');
      if (opts.refuse) refuse(cur.user);
      // A freshly inserted skeleton has no fingerprint. Whoever first fills it in (under the row
      // lock, so exactly one writer) announces the creation, whichever racer inserted it.
      const skeleton = cur.row.fingerprint === null;
      const d = merge(cur);
      if (!needsWrite(cur, d, opts.login)) {
        return {
          row: cur.row,
          user: cur.user,
          groups: cur.groups,
          previous: cur.user,
          created: false,
          updated: false,
          added: [] as string[],
          removed: [] as string[],
        };
      }
      const ts = now();
      const attributes = sortAttributes(d.attributes);
      const email = emailOf(attributes);
      const fingerprint = userFingerprint({ ...d, attributes });
      const fieldsChanged =
        fingerprint !== cur.row.fingerprint || (d.undelete && cur.user.deletedAt !== null);
      const patch: Record<string, unknown> = {};
      if (fieldsChanged) {
        Object.assign(patch, {
          username: d.username,
          email,
          email_lower: emailLowerOf(email),
          email_verified: emailVerifiedOf(attributes) === null ? null : emailVerifiedOf(attributes) ? 1 : 0,
          status: d.status,
          enabled: d.enabled ? 1 : 0,
          attributes: JSON.stringify(attributes),
          fingerprint,
          updated_at: ts,
        });
        if (d.undelete) patch.deleted_at = null;
      }
      if (opts.login) Object.assign(patch, { last_login_at: ts, last_seen_at: ts });
      else if (fieldsChanged)
        patch.last_seen_at = source === 'sync' || source === 'webhook' ? cur.row.last_seen_at : ts;
      if (Object.keys(patch).length > 0) {
        await trx.updateTable(t.users).set(patch).where('id', '=', cur.row.id).execute();
      }
      let added: string[] = [];
      let removed: string[] = [];
      if (d.groups !== undefined && !sameList(d.groups, cur.groups)) {
        ({ added, removed } = await store.replaceMemberships(trx, poolId, Number(cur.row.id), d.groups, ts));
      }
      const row = (await store.findBySub(trx, poolId, sub)) as UserRow;
      return {
        row,
        user: rowToUser(row),
        groups: d.groups ?? cur.groups,
        previous: cur.user,
        created: skeleton,
        updated: fieldsChanged && !skeleton,
        added,
        removed,
      };
    });
    remember(poolId, sub, {
      user: out.user,
      groups: out.groups,
      fingerprint: out.row.fingerprint,
      checkedAt: now(),
    });
    if (out.created) await events.userCreated(out.user, source);
    else if (out.updated) await events.userUpdated(out.user, out.previous, source);
    if (out.added.length > 0 || out.removed.length > 0)
      await events.groupsChanged(out.user, out.added, out.removed, source);
    return {
      row: out.row,
      user: out.user,
      groups: out.groups,
      created: out.created,
      updated: out.updated,
      groupsAdded: out.added,
      groupsRemoved: out.removed,
    };
  }

  /** Opt-in: claim a local row (no sub yet) with the same verified e-mail in the same pool. */
  async function linkByEmail(poolId: string, sub: string, email: string): Promise<boolean> {
    const lower = emailLowerOf(email);
    if (lower === null) return false;
    const candidates = await store.read(() =>
      store.db
        .selectFrom(t.users)
        .select(['id'])
        .where('pool_id', '=', poolId)
        .where('email_lower', '=', lower)
        .where('sub', 'is', null)
        .where('deleted_at', 'is', null)
        .limit(2)
        .execute(),
    );
    // Ambiguous (two local rows with one e-mail): link nothing rather than guess.
    if (candidates.length !== 1) return false;
    const result = await store.read(() =>
      store.db
        .updateTable(t.users)
        .set({ sub, updated_at: now() })
        .where('id', '=', (candidates[0] as { id: number }).id)
        .where('sub', 'is', null)
        .executeTakeFirst(),
    );
    return Number(result.numUpdatedRows) > 0;
  }

  async function slowPath(principal: Principal, trigger: 'login' | 'bearer' | 'session'): Promise<Principal> {
    const poolId = principal.userPoolId;
    const facts = principalFacts(principal);
    let known = await store.read(() => load(store.db, poolId, principal.sub));
    if (known) refuse(known.user);
    if (!known && options.linkByEmail === true && principal.emailVerified === true && principal.email) {
      if (await linkByEmail(poolId, principal.sub, principal.email))
        known = await store.read(() => load(store.db, poolId, principal.sub));
    }
    const update =
      trigger === 'login' || updateOn === 'always' || known === null || known.row.fingerprint === null;
    if (known && !update) {
      remember(poolId, principal.sub, {
        user: known.user,
        groups: known.groups,
        fingerprint: known.row.fingerprint,
        checkedAt: now(),
      });
      return withId(principal, known.user.id);
    }
    const merge = (cur: Loaded | null): Desired => ({
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

  async function syncFromPrincipal(
    principal: Principal,
    trigger: 'login' | 'bearer' | 'session',
  ): Promise<Principal> {
    if (principal.isMachine) return principal;
    const poolId = principal.userPoolId;
    const k = key(poolId, principal.sub);
    const entry = cache.get(k);
    const ts = now();
    if (entry && trigger !== 'login' && ts - entry.checkedAt < cacheTtl) {
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
      if (fresh) {
        if (ts - (entry.user.lastSeenAt ?? 0) >= seenResolution) {
          await store.write(() =>
            store.db.updateTable(t.users).set({ last_seen_at: ts }).where('id', '=', entry.user.id).execute(),
          );
          entry.user = Object.freeze({ ...entry.user, lastSeenAt: ts });
        }
        return withId(principal, entry.user.id);
      }
    }
    // One database round per user at a time in this process; racing processes meet at the unique key.
    const running = inflight.get(k);
    if (running) return withId(principal, (await running).replicaUserId as number);
    let slow = slowPath(principal, trigger);
    if (serveLastKnownMs > 0 && entry) slow = orLastKnown(slow, principal, entry, ts);
    const p = slow.finally(() => inflight.delete(k));
    inflight.set(k, p);
    return p;
  }

  /** Degraded mode: a failed re-read answers from `entry` while it is recent enough. */
  function orLastKnown(
    slow: Promise<Principal>,
    principal: Principal,
    entry: CacheEntry,
    ts: number,
  ): Promise<Principal> {
    return slow.then(
      (result) => {
        degraded = false;
        return result;
      },
      (error: unknown) => {
        const failed = (error as { code?: unknown } | null)?.code === 'STORE_FAILED';
        if (!failed || ts - entry.checkedAt >= serveLastKnownMs) throw error;
        refuse(entry.user);
        if (!degraded) {
          degraded = true;
          onDegraded(error);
        }
        return withId(principal, entry.user.id);
      },
    );
  }

  const poolOf = (poolId: string | undefined): string => {
    const p = poolId ?? options.poolId;
    if (!p)
      throw new CognitoAuthError('CONFIG_INVALID', 'no pool id given and the replica has no default poolId');
    return p;
  };

  const replica: Replica = {
    db: options.db,
    poolId: options.poolId,
    tablePrefix: options.tablePrefix ?? 'cognito_',
    events,
    syncFromPrincipal,
    hook(): PrincipalHook {
      return (principal, context) => syncFromPrincipal(principal, context.trigger);
    },
    async applyUserState(state: UserState, source: ReplicaSource): Promise<ApplyResult> {
      const attributes = { ...state.attributes };
      delete attributes.sub;
      const groups = state.groups === undefined ? undefined : uniqueSorted(state.groups);
      const merge = (cur: Loaded | null): Desired => ({
        username: state.username ?? cur?.user.username ?? null,
        attributes,
        status: state.status !== undefined ? state.status : (cur?.user.status ?? null),
        enabled: state.enabled ?? cur?.user.enabled ?? true,
        groups,
        undelete: true,
      });
      const res = await upsert(state.poolId, state.sub, merge, source, {
        login: state.login === true,
        refuse: false,
      });
      return {
        user: res.user,
        created: res.created,
        updated: res.updated,
        groupsAdded: res.groupsAdded,
        groupsRemoved: res.groupsRemoved,
      };
    },
    async deleteUser(poolId, sub, source) {
      const out = await store.transaction(async (trx) => {
        const row = await store.findBySub(trx, poolId, sub, true);
        if (!row) return null;
        if (row.deleted_at !== null && row.deleted_at !== undefined)
          return { user: rowToUser(row), changed: false };
        const ts = now();
        await trx
          .updateTable(t.users)
          .set({ deleted_at: ts, updated_at: ts })
          .where('id', '=', row.id)
          .execute();
        await trx.deleteFrom(t.userGroups).where('user_id', '=', row.id).execute();
        return { user: rowToUser({ ...row, deleted_at: ts, updated_at: ts }), changed: true };
      });
      forget(poolId, sub);
      if (!out) return null;
      if (out.changed) await events.userDeleted(out.user, source);
      return out.user;
    },
    async setEnabled(poolId, sub, enabled, source) {
      const out = await store.transaction(async (trx) => {
        const row = await store.findBySub(trx, poolId, sub, true);
        if (!row) return null;
        const before = rowToUser(row);
        if (before.enabled === enabled) return { user: before, before, changed: false };
        const ts = now();
        const fingerprint = userFingerprint({
          username: before.username,
          status: before.status,
          enabled,
          attributes: before.attributes,
        });
        await trx
          .updateTable(t.users)
          .set({ enabled: enabled ? 1 : 0, fingerprint, updated_at: ts })
          .where('id', '=', row.id)
          .execute();
        return {
          user: rowToUser({ ...row, enabled: enabled ? 1 : 0, fingerprint, updated_at: ts }),
          before,
          changed: true,
        };
      });
      forget(poolId, sub);
      if (!out) return null;
      if (out.changed) await events.userUpdated(out.user, out.before, source);
      return out.user;
    },
    async upsertGroup(poolId, group) {
      const ts = now();
      await store.transaction(async (trx) => {
        await store.ensureGroups(trx, poolId, [group.name], ts);
        const patch: Record<string, unknown> = { updated_at: ts };
        if (group.description !== undefined) patch.description = group.description;
        if (group.precedence !== undefined) patch.precedence = group.precedence;
        await trx
          .updateTable(t.groups)
          .set(patch)
          .where('pool_id', '=', poolId)
          .where('name', '=', group.name)
          .execute();
      });
    },
    async deleteGroup(poolId, name, source) {
      const out = await store.transaction(async (trx) => {
        const g = await trx
          .selectFrom(t.groups)
          .select(['id'])
          .where('pool_id', '=', poolId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (!g) return null;
        const members = events.has('groupsChanged')
          ? ((await trx
              .selectFrom(`${t.users} as u`)
              .innerJoin(`${t.userGroups} as ug`, 'ug.user_id', 'u.id')
              .selectAll('u')
              .where('ug.group_id', '=', g.id)
              .execute()) as UserRow[])
          : [];
        await trx.deleteFrom(t.userGroups).where('group_id', '=', g.id).execute();
        await trx.deleteFrom(t.groups).where('id', '=', g.id).execute();
        return members;
      });
      if (!out) return false;
      // Cached group sets of other users are now stale.
      cache.clear();
      for (const row of out) await events.groupsChanged(rowToUser(row), [], [name], source);
      return true;
    },
    async changeMembership(poolId, sub, group, member, source) {
      const out = await store.transaction(async (trx) => {
        const row = await store.findBySub(trx, poolId, sub, true);
        if (!row) return null;
        const ts = now();
        const current = await store.groupNames(trx, Number(row.id));
        const has = current.includes(group);
        if (has === member) return { row, changed: false };
        const next = member ? [...current, group] : current.filter((g) => g !== group);
        await store.replaceMemberships(trx, poolId, Number(row.id), uniqueSorted(next), ts);
        return { row, changed: true };
      });
      forget(poolId, sub);
      if (out?.changed)
        await events.groupsChanged(rowToUser(out.row), member ? [group] : [], member ? [] : [group], source);
    },
    async getUserBySub(sub, poolId) {
      const row = await store.read(() => store.findBySub(store.db, poolOf(poolId), sub));
      return row ? rowToUser(row) : null;
    },
    async getUserById(id) {
      const row = await store.read(() => store.findById(store.db, id));
      return row ? rowToUser(row) : null;
    },
    getUserGroups(userId) {
      return store.read(() => store.groupNames(store.db, userId));
    },
    async listUsersInGroup(name, opts = {}) {
      const rows = await store.read(() =>
        store.db
          .selectFrom(`${t.users} as u`)
          .innerJoin(`${t.userGroups} as ug`, 'ug.user_id', 'u.id')
          .innerJoin(`${t.groups} as g`, 'g.id', 'ug.group_id')
          .selectAll('u')
          .where('g.pool_id', '=', poolOf(opts.poolId))
          .where('g.name', '=', name)
          .where('u.deleted_at', 'is', null)
          .where('u.id', '>', opts.afterId ?? 0)
          .orderBy('u.id')
          .limit(opts.limit ?? 1000)
          .execute(),
      );
      return (rows as UserRow[]).map(rowToUser);
    },
    async listGroups(poolId): Promise<ReplicaGroup[]> {
      const rows = await store.read(() =>
        store.db
          .selectFrom(t.groups)
          .selectAll()
          .where('pool_id', '=', poolOf(poolId))
          .orderBy('name')
          .execute(),
      );
      return rows.map(rowToGroup);
    },
    async claimWebhookEvent(eventId, bodyHash, triggerSource) {
      const inserted = await store.write(() =>
        store.insertIgnore(
          store.db,
          t.webhookEvents,
          {
            event_id: eventId,
            body_hash: bodyHash,
            trigger_source: triggerSource.slice(0, 64),
            received_at: now(),
          },
          ['event_id'],
        ),
      );
      if (inserted) return 'new';
      const row = await store.read(() =>
        store.db
          .selectFrom(t.webhookEvents)
          .select(['body_hash'])
          .where('event_id', '=', eventId)
          .executeTakeFirst(),
      );
      return row?.body_hash === bodyHash ? 'duplicate' : 'conflict';
    },
    async releaseWebhookEvent(eventId) {
      await store.read(() => store.db.deleteFrom(t.webhookEvents).where('event_id', '=', eventId).execute());
    },
    async pruneWebhookEvents(olderThanMs) {
      const r = await store.read(() =>
        store.db.deleteFrom(t.webhookEvents).where('received_at', '<', olderThanMs).executeTakeFirst(),
      );
      return Number(r.numDeletedRows);
    },
    clearCache() {
      cache.clear();
    },
  };
  return Object.freeze(replica);
}
