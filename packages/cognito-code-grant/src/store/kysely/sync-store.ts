/** The sync's bulk SyncStore port over SQL (see src/sync/sync-store.ts for the contracts). */
import type { Kysely } from 'kysely';
import type { SyncStore } from '../../sync/sync-store.ts';
import { fieldColumns, ReplicaSql, rowToGroup, rowToUser, type UserRow } from './replica-sql.ts';

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The columns a sync upsert replaces on a conflict (not `created_at`, not the login times). */
const UPSERTED = [
  'username',
  'email',
  'email_lower',
  'email_verified',
  'status',
  'enabled',
  'attributes',
  'fingerprint',
  'seen_run',
  'updated_at',
  'deleted_at',
];

/** New and changed users upserted, unchanged ones marked seen by this run, in one transaction. */
async function writeSyncUsers(
  q: ReplicaSql,
  ...[poolId, runId, batch, now]: Parameters<SyncStore['writeUsers']>
): Promise<void> {
  const t = q.t;
  // New and changed users in multi-row upserts keyed by (pool, sub): one statement per 500
  // rows instead of one UPDATE per changed user (the sync's write cost at scale). Keyed by
  // sub, a row a login inserted meanwhile is taken over and marked seen.
  const rows = new Map<string, Record<string, unknown>>();
  for (const { sub, fields } of [...batch.inserts, ...batch.updates]) {
    rows.set(sub, {
      pool_id: poolId,
      sub,
      ...fieldColumns(fields),
      seen_run: runId,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    });
  }
  await q.transaction(async (trx) => {
    for (const part of chunks([...rows.values()], 500)) {
      await q.upsertQuery(trx, t.users, part, ['pool_id', 'sub'], UPSERTED).execute();
    }
    // Mark the unchanged ones as seen by this run (one statement per 500).
    for (const part of chunks(batch.unchanged, 500)) {
      await trx
        .updateTable(t.users)
        .set({ seen_run: runId })
        .where('pool_id', '=', poolId)
        .where('sub', 'in', part)
        .execute();
    }
  });
}

/** Creates (first sight) or updates a group; resolves to its id. */
async function saveSyncGroup(
  db: Kysely<any>,
  q: ReplicaSql,
  ...[poolId, group, existingId, now]: Parameters<SyncStore['saveGroup']>
): Promise<number | undefined> {
  const t = q.t;
  if (existingId === undefined) {
    await q
      .insertIgnoreQuery(
        db,
        t.groups,
        [
          {
            pool_id: poolId,
            name: group.name,
            description: group.description,
            precedence: group.precedence,
            created_at: now,
            updated_at: now,
          },
        ],
        ['pool_id', 'name'],
      )
      .execute();
  } else {
    await db
      .updateTable(t.groups)
      .set({ description: group.description, precedence: group.precedence, updated_at: now })
      .where('id', '=', existingId)
      .execute();
  }
  const row = await db
    .selectFrom(t.groups)
    .select(['id'])
    .where('pool_id', '=', poolId)
    .where('name', '=', group.name)
    .executeTakeFirst();
  return row ? Number(row.id) : undefined;
}

export function createKyselySyncStore(db: Kysely<any>, tablePrefix = 'cognito_'): SyncStore {
  const q = new ReplicaSql(db, tablePrefix);
  const t = q.t;
  return {
    async findBySubs(poolId, subs) {
      const rows = await q.findBySubs(db, poolId, subs);
      return rows.map((row) => ({ user: rowToUser(row), fingerprint: row.fingerprint ?? null }));
    },
    async findById(id) {
      const row = await q.findById(db, id);
      return row ? rowToUser(row) : null;
    },
    writeUsers: (poolId, runId, batch, now) => writeSyncUsers(q, poolId, runId, batch, now),
    refreshStatistics: () => q.analyze(),
    async unseenUsers(poolId, runId, afterId, limit) {
      let query = db
        .selectFrom(t.users)
        .selectAll()
        .where('pool_id', '=', poolId)
        .where('deleted_at', 'is', null)
        .where('sub', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit);
      if (runId !== undefined)
        query = query.where((eb) => eb.or([eb('seen_run', 'is', null), eb('seen_run', '<>', runId)]));
      return ((await query.execute()) as UserRow[]).map(rowToUser);
    },
    async countUnseenUsers(poolId, runId) {
      let query = db
        .selectFrom(t.users)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('pool_id', '=', poolId)
        .where('deleted_at', 'is', null)
        .where('sub', 'is not', null);
      if (runId !== undefined)
        query = query.where((eb) => eb.or([eb('seen_run', 'is', null), eb('seen_run', '<>', runId)]));
      return Number((await query.executeTakeFirstOrThrow()).n);
    },
    async softDeleteUsers(ids, now) {
      await q.transaction(async (trx) => {
        await trx
          .updateTable(t.users)
          .set({ deleted_at: now, updated_at: now })
          .where('id', 'in', ids as number[])
          .execute();
        await trx
          .deleteFrom(t.userGroups)
          .where('user_id', 'in', ids as number[])
          .execute();
      });
    },
    async listGroups(poolId) {
      const rows = await db.selectFrom(t.groups).selectAll().where('pool_id', '=', poolId).execute();
      return rows.map(rowToGroup);
    },
    async deleteGroup(groupId) {
      await q.transaction(async (trx) => {
        await trx.deleteFrom(t.userGroups).where('group_id', '=', groupId).execute();
        await trx.deleteFrom(t.groups).where('id', '=', groupId).execute();
      });
    },
    saveGroup: (poolId, group, existingId, now) => saveSyncGroup(db, q, poolId, group, existingId, now),
    async idsBySubs(poolId, subs) {
      const rows = await q.idsBySubs(db, poolId, subs);
      return rows.map((r) => ({
        id: Number(r.id),
        deletedAt: r.deleted_at === null || r.deleted_at === undefined ? null : Number(r.deleted_at),
      }));
    },
    async memberIds(groupId, afterUserId, limit) {
      const rows = await db
        .selectFrom(t.userGroups)
        .select(['user_id'])
        .where('group_id', '=', groupId)
        .where('user_id', '>', afterUserId)
        .orderBy('user_id')
        .limit(limit)
        .execute();
      return rows.map((r) => Number(r.user_id));
    },
    async changeMembers(groupId, added, removed, now) {
      await q.transaction(async (trx) => {
        for (const part of chunks(removed, 500)) {
          await trx
            .deleteFrom(t.userGroups)
            .where('group_id', '=', groupId)
            .where('user_id', 'in', part)
            .execute();
        }
        for (const part of chunks(added, 500)) {
          await q
            .insertIgnoreQuery(
              trx,
              t.userGroups,
              part.map((id) => ({ user_id: id, group_id: groupId, created_at: now })),
              ['user_id', 'group_id'],
            )
            .execute();
        }
      });
    },
  };
}
