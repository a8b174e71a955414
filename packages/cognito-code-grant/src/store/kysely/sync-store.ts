/** The sync's bulk SyncStore port over SQL (see src/sync/sync-store.ts for the contracts). */
import { type ExpressionBuilder, type Kysely, sql } from 'kysely';
import type { SweepScope, SyncStore } from '../../sync/sync-store.ts';
import type { UserFields } from '../../replica/user-store.ts';
import {
  type ComputedColumns,
  type Db,
  type FieldColumns,
  fieldColumns,
  ReplicaSql,
  rowToGroup,
  rowToUser,
  type UserRow,
} from './replica-sql.ts';
import {
  type ArrayColumn,
  addMembers,
  markSeen,
  removeMembers,
  upsertUsersFromArrays,
  usersBySubs,
} from './sync-array-sql.ts';
import type { ReplicaTables } from './tables.ts';

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
  // Keyed by sub: a row a login inserted meanwhile is taken over and marked seen.
  const bySub = new Map<string, UserFields>();
  for (const { sub, fields } of batch.inserts) bySub.set(sub, fields);
  for (const { sub, fields } of batch.updates) bySub.set(sub, fields);
  await q.transaction(async (trx) => {
    if (q.dialect.arrayParameters) {
      // The whole batch in two statements, whatever its size (sync-array-sql.ts).
      if (bySub.size > 0) await upsertArrays(trx, t, poolId, runId, bySub, now);
      if (batch.unchanged.length > 0) await markSeen(trx, t, poolId, batch.unchanged, runId);
      return;
    }
    // Multi-row upserts, one statement per 500 rows.
    const rows: Record<string, unknown>[] = [];
    for (const [sub, fields] of bySub) {
      rows.push({
        pool_id: poolId,
        sub,
        ...fieldColumns(fields),
        seen_run: runId,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      });
    }
    for (const part of chunks(rows, 500)) {
      await q.upsertQuery(trx, t.users, part, ['pool_id', 'sub'], UPSERTED, laterMark(t.users)).execute();
    }
    // Mark the unchanged ones as seen by this run (one statement per 500), unless a later run has.
    for (const part of chunks(batch.unchanged, 500)) {
      await trx
        .updateTable(t.users)
        .set({ seen_run: runId })
        .where('pool_id', '=', poolId)
        .where('sub', 'in', part)
        .where(markedBefore(runId))
        .execute();
    }
  });
}

/** Rows no run has marked, or only a run started before `runId` (run ids sort by their start). */
const markedBefore = (runId: string) => (eb: ExpressionBuilder<any, any>) =>
  eb.or([eb('seen_run', 'is', null), eb('seen_run', '<', runId)]);

/**
 * `seen_run` on an upsert: the incoming run's id, unless the row names a later run (run ids sort
 * by their start, src/sync/run-id.ts): a mark never moves back to an earlier, overlapping run.
 */
function laterMark(table: string): ComputedColumns {
  const current = sql.ref(`${table}.seen_run`);
  return {
    seen_run: (incoming) =>
      sql`case when ${current} is null or ${current} < ${incoming('seen_run')} then ${incoming('seen_run')} else ${current} end`,
  };
}

/**
 * The SQL type of every column `fieldColumns` writes, for the array casts: a column added there
 * and not here fails to compile instead of being left out of the array upsert.
 */
const FIELD_TYPES: { readonly [K in keyof FieldColumns]: ArrayColumn['type'] } = {
  username: 'varchar',
  email: 'text',
  email_lower: 'varchar',
  email_verified: 'integer',
  status: 'varchar',
  enabled: 'integer',
  attributes: 'text',
  fingerprint: 'varchar',
};
const FIELD_NAMES = Object.keys(FIELD_TYPES) as (keyof FieldColumns)[];

function upsertArrays(
  db: Db,
  t: ReplicaTables,
  poolId: string,
  runId: string,
  bySub: ReadonlyMap<string, UserFields>,
  now: number,
) {
  const sub: ArrayColumn = { name: 'sub', type: 'varchar', values: [...bySub.keys()] };
  const columns = FIELD_NAMES.map((name) => ({ name, type: FIELD_TYPES[name], values: [] as unknown[] }));
  for (const fields of bySub.values()) {
    const c = fieldColumns(fields);
    for (let i = 0; i < FIELD_NAMES.length; i++) columns[i]!.values.push(c[FIELD_NAMES[i]!]);
  }
  return upsertUsersFromArrays(
    db,
    t,
    [sub, ...columns],
    [
      { name: 'pool_id', type: 'varchar', value: poolId },
      { name: 'seen_run', type: 'varchar', value: runId },
      { name: 'created_at', type: 'bigint', value: now },
      { name: 'updated_at', type: 'bigint', value: now },
      { name: 'deleted_at', type: 'bigint', value: null },
    ],
    UPSERTED,
    laterMark(t.users),
  );
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

/**
 * The users of a sweep's scope: created before the run started and, with a run id, seen last by
 * an earlier run or none (run ids sort by their start: src/sync/run-id.ts).
 */
const inScope = (scope: SweepScope) => (eb: ExpressionBuilder<any, any>) => {
  const created = eb('created_at', '<', scope.createdBefore);
  if (scope.runId === undefined) return created;
  return eb.and([created, markedBefore(scope.runId)(eb)]);
};

export function createKyselySyncStore(db: Kysely<any>, tablePrefix = 'cognito_'): SyncStore {
  const q = new ReplicaSql(db, tablePrefix);
  const t = q.t;
  /** The pool's live users with a sub: what the sweep counts and pages, and the id table reads. */
  const liveUsers = (poolId: string) =>
    db
      .selectFrom(t.users)
      .where('pool_id', '=', poolId)
      .where('deleted_at', 'is', null)
      .where('sub', 'is not', null);
  /** A keyset page of them: ids above `afterId`, ascending. */
  const livePage = (poolId: string, afterId: number, limit: number) =>
    liveUsers(poolId).where('id', '>', afterId).orderBy('id').limit(limit);
  return {
    async findBySubs(poolId, subs) {
      const rows = q.dialect.arrayParameters
        ? await usersBySubs<UserRow>(db, t, poolId, subs, '*')
        : await q.findBySubs(db, poolId, subs);
      return rows.map((row) => ({
        user: rowToUser(row),
        fingerprint: row.fingerprint ?? null,
        seenRun: row.seen_run ?? null,
      }));
    },
    async findById(id) {
      const row = await q.findById(db, id);
      return row ? rowToUser(row) : null;
    },
    writeUsers: (poolId, runId, batch, now) => writeSyncUsers(q, poolId, runId, batch, now),
    refreshStatistics: () => q.analyze(),
    async unseenUsers(poolId, scope, afterId, limit) {
      let query = livePage(poolId, afterId, limit).selectAll();
      if (scope !== undefined) query = query.where(inScope(scope));
      return ((await query.execute()) as UserRow[]).map(rowToUser);
    },
    async countUnseenUsers(poolId, scope) {
      let query = liveUsers(poolId).select((eb) => eb.fn.countAll().as('n'));
      if (scope !== undefined) query = query.where(inScope(scope));
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
      const rows = q.dialect.arrayParameters
        ? await usersBySubs<{ id: number; deleted_at: number | null }>(db, t, poolId, subs, [
            'id',
            'deleted_at',
          ])
        : await q.idsBySubs(db, poolId, subs);
      return rows.map((r) => ({
        id: Number(r.id),
        deletedAt: r.deleted_at === null || r.deleted_at === undefined ? null : Number(r.deleted_at),
      }));
    },
    async liveUserIds(poolId, afterId, limit) {
      const rows = await livePage(poolId, afterId, limit).select(['id', 'sub']).execute();
      return rows.map((r) => ({ id: Number(r.id), sub: r.sub as string }));
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
        if (q.dialect.arrayParameters) {
          if (removed.length > 0) await removeMembers(trx, t, groupId, removed);
          if (added.length > 0) await addMembers(trx, t, groupId, added, now);
          return;
        }
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
