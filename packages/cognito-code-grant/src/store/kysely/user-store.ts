/**
 * The replica's UserStore port over SQL (SQLite, PostgreSQL, MySQL/MariaDB through Kysely). The
 * atomicity the port promises comes from one transaction per call, with the user's row locked
 * by a locking read where the database has them (SQLite's write transaction holds the whole
 * database instead); deadlocks and busy errors are retried by `ReplicaSql`.
 */
import type { Kysely } from 'kysely';
import type { ReplicaUser } from '../../replica/types.ts';
import type { UserStore, UserUpdate } from '../../replica/user-store.ts';
import { fieldColumns, ReplicaSql, rowToGroup, rowToStored, rowToUser, type UserRow } from './replica-sql.ts';

export interface KyselyUserStore extends UserStore {
  readonly db: Kysely<any>;
  readonly tablePrefix: string;
}

/** The columns an update writes (empty when there is nothing but memberships to write). */
function updateColumns(update: UserUpdate, current: UserRow, now: number): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  if (update.fields) {
    Object.assign(patch, fieldColumns(update.fields), { updated_at: now });
    if (update.undelete) patch.deleted_at = null;
  }
  if (update.lastLoginAt !== undefined) patch.last_login_at = update.lastLoginAt;
  if (update.lastSeenAt !== undefined && update.lastSeenAt !== current.last_seen_at)
    patch.last_seen_at = update.lastSeenAt;
  return patch;
}

export function createKyselyUserStore(db: Kysely<any>, tablePrefix = 'cognito_'): KyselyUserStore {
  const q = new ReplicaSql(db, tablePrefix);
  const t = q.t;

  const store: KyselyUserStore = {
    db,
    tablePrefix,
    find(poolId, sub) {
      return q.read(async () => {
        const row = await q.findBySub(db, poolId, sub);
        return row ? rowToStored(row, await q.groupNames(db, Number(row.id))) : null;
      });
    },
    async findById(id) {
      const row = await q.read(() => q.findById(db, id));
      return row ? rowToUser(row) : null;
    },
    groupsOf(userId) {
      return q.read(() => q.groupNames(db, userId));
    },
    async listUsersInGroup(poolId, name, page) {
      const rows = await q.read(() =>
        db
          .selectFrom(`${t.users} as u`)
          .innerJoin(`${t.userGroups} as ug`, 'ug.user_id', 'u.id')
          .innerJoin(`${t.groups} as g`, 'g.id', 'ug.group_id')
          .selectAll('u')
          .where('g.pool_id', '=', poolId)
          .where('g.name', '=', name)
          .where('u.deleted_at', 'is', null)
          .where('u.id', '>', page.afterId)
          .orderBy('u.id')
          .limit(page.limit)
          .execute(),
      );
      return (rows as UserRow[]).map(rowToUser);
    },
    async listGroups(poolId) {
      const rows = await q.read(() =>
        db.selectFrom(t.groups).selectAll().where('pool_id', '=', poolId).orderBy('name').execute(),
      );
      return rows.map(rowToGroup);
    },
    async insertIfMissing(poolId, sub, now) {
      // A write: on MySQL a racing INSERT of the same key can deadlock, and is retried.
      await q.write(() =>
        q.insertIgnore(
          db,
          t.users,
          { pool_id: poolId, sub, attributes: '{}', enabled: 1, created_at: now, updated_at: now },
          ['pool_id', 'sub'],
        ),
      );
    },
    update(poolId, sub, decide, now) {
      return q.transaction(async (trx) => {
        const row = await q.findBySub(trx, poolId, sub, true);
        if (!row) return null;
        const before = rowToStored(row, await q.groupNames(trx, Number(row.id)));
        const update = decide(before);
        if (!update) return { before, after: before, groupsAdded: [], groupsRemoved: [] };
        const patch = updateColumns(update, row, now);
        if (Object.keys(patch).length > 0)
          await trx.updateTable(t.users).set(patch).where('id', '=', row.id).execute();
        let added: string[] = [];
        let removed: string[] = [];
        if (update.groups !== undefined) {
          ({ added, removed } = await q.replaceMemberships(trx, poolId, Number(row.id), update.groups, now));
        }
        const fresh = (await q.findBySub(trx, poolId, sub)) as UserRow;
        const after = rowToStored(fresh, update.groups ?? before.groups);
        return { before, after, groupsAdded: added, groupsRemoved: removed };
      });
    },
    softDelete(poolId, sub, now) {
      return q.transaction(async (trx) => {
        const row = await q.findBySub(trx, poolId, sub, true);
        if (!row) return null;
        if (row.deleted_at !== null && row.deleted_at !== undefined)
          return { user: rowToUser(row), changed: false };
        await trx
          .updateTable(t.users)
          .set({ deleted_at: now, updated_at: now })
          .where('id', '=', row.id)
          .execute();
        await trx.deleteFrom(t.userGroups).where('user_id', '=', row.id).execute();
        return { user: rowToUser({ ...row, deleted_at: now, updated_at: now }), changed: true };
      });
    },
    async linkByEmail(poolId, sub, emailLower, now) {
      const candidates = await q.read(() =>
        db
          .selectFrom(t.users)
          .select(['id'])
          .where('pool_id', '=', poolId)
          .where('email_lower', '=', emailLower)
          .where('sub', 'is', null)
          .where('deleted_at', 'is', null)
          .limit(2)
          .execute(),
      );
      // Ambiguous (two local rows with one e-mail): link nothing rather than guess.
      if (candidates.length !== 1) return false;
      const result = await q.write(() =>
        db
          .updateTable(t.users)
          .set({ sub, updated_at: now })
          .where('id', '=', (candidates[0] as { id: number }).id)
          .where('sub', 'is', null)
          .executeTakeFirst(),
      );
      return Number(result.numUpdatedRows) > 0;
    },
    async touchLastSeen(userId, at) {
      await q.write(() =>
        db.updateTable(t.users).set({ last_seen_at: at }).where('id', '=', userId).execute(),
      );
    },
    async upsertGroup(poolId, group, now) {
      await q.transaction(async (trx) => {
        await q.ensureGroups(trx, poolId, [group.name], now);
        const patch: Record<string, unknown> = { updated_at: now };
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
    deleteGroup(poolId, name, withMembers) {
      return q.transaction(async (trx) => {
        const g = await trx
          .selectFrom(t.groups)
          .select(['id'])
          .where('pool_id', '=', poolId)
          .where('name', '=', name)
          .executeTakeFirst();
        if (!g) return null;
        const members: ReplicaUser[] = withMembers
          ? (
              (await trx
                .selectFrom(`${t.users} as u`)
                .innerJoin(`${t.userGroups} as ug`, 'ug.user_id', 'u.id')
                .selectAll('u')
                .where('ug.group_id', '=', g.id)
                .execute()) as UserRow[]
            ).map(rowToUser)
          : [];
        await trx.deleteFrom(t.userGroups).where('group_id', '=', g.id).execute();
        await trx.deleteFrom(t.groups).where('id', '=', g.id).execute();
        return members;
      });
    },
    async claimWebhookEvent(eventId, bodyHash, triggerSource, now) {
      const inserted = await q.write(() =>
        q.insertIgnore(
          db,
          t.webhookEvents,
          {
            event_id: eventId,
            body_hash: bodyHash,
            trigger_source: triggerSource.slice(0, 64),
            received_at: now,
          },
          ['event_id'],
        ),
      );
      if (inserted) return 'new';
      const row = await q.read(() =>
        db
          .selectFrom(t.webhookEvents)
          .select(['body_hash'])
          .where('event_id', '=', eventId)
          .executeTakeFirst(),
      );
      return row?.body_hash === bodyHash ? 'duplicate' : 'conflict';
    },
    async releaseWebhookEvent(eventId) {
      await q.write(() => db.deleteFrom(t.webhookEvents).where('event_id', '=', eventId).execute());
    },
    async pruneWebhookEvents(olderThanMs) {
      const r = await q.write(() =>
        db.deleteFrom(t.webhookEvents).where('received_at', '<', olderThanMs).executeTakeFirst(),
      );
      return Number(r.numDeletedRows);
    },
  };
  return Object.freeze(store);
}
