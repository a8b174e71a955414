/**
 * The replica's UserStore port over SQL (SQLite, PostgreSQL, MySQL/MariaDB through Kysely). The
 * atomicity the port promises comes from one transaction per call, with the user's row locked
 * by a locking read where the database has them (SQLite's write transaction holds the whole
 * database instead); deadlocks and busy errors are retried by `ReplicaSql`.
 */
import type { Kysely } from 'kysely';
import type { UserStore, UserUpdate } from '../../replica/user-store.ts';
import { fieldColumns, ReplicaSql, rowToStored, rowToUser, rowToGroup, type UserRow } from './replica-sql.ts';
import { deleteGroupRows, listUsersInGroupRows, upsertGroupRow } from './user-groups-sql.ts';
import { claimWebhookEventRow, pruneWebhookEventRows } from './webhook-events-sql.ts';

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
    listUsersInGroup: (poolId, name, page) => listUsersInGroupRows(db, q, poolId, name, page),
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
    upsertGroup: (poolId, group, now) => upsertGroupRow(q, poolId, group, now),
    deleteGroup: (poolId, name, withMembers) => deleteGroupRows(q, poolId, name, withMembers),
    claimWebhookEvent: (eventId, bodyHash, triggerSource, now) =>
      claimWebhookEventRow(db, q, eventId, bodyHash, triggerSource, now),
    async releaseWebhookEvent(eventId) {
      await q.write(() => db.deleteFrom(t.webhookEvents).where('event_id', '=', eventId).execute());
    },
    pruneWebhookEvents: (olderThanMs) => pruneWebhookEventRows(db, q, olderThanMs),
  };
  return Object.freeze(store);
}
