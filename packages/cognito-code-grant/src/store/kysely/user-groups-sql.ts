/** The replica's group statements over SQL: members of a group, group upsert and delete. */
import type { Kysely } from 'kysely';
import type { ReplicaUser } from '../../replica/types.ts';
import type { UserStore } from '../../replica/user-store.ts';
import { type ReplicaSql, rowToUser, type UserRow } from './replica-sql.ts';

export async function listUsersInGroupRows(
  db: Kysely<any>,
  q: ReplicaSql,
  poolId: string,
  name: string,
  page: { readonly limit: number; readonly afterId: number },
): Promise<ReplicaUser[]> {
  const t = q.t;
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
}

export async function upsertGroupRow(
  q: ReplicaSql,
  poolId: string,
  group: Parameters<UserStore['upsertGroup']>[1],
  now: number,
): Promise<void> {
  const t = q.t;
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
}

export function deleteGroupRows(
  q: ReplicaSql,
  poolId: string,
  name: string,
  withMembers: boolean,
): Promise<ReplicaUser[] | null> {
  const t = q.t;
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
}
