/**
 * SessionStore over Kysely (SQLite, PostgreSQL, MySQL/MariaDB) on the `{prefix}sessions` table
 * of migrations/sessions.ts. All queries are parameterised; the lease is one conditional UPDATE,
 * atomic on every dialect.
 */
import { CompiledQuery, type Kysely } from 'kysely';
import { CognitoAuthError } from '../../errors/errors.ts';
import type { SessionRecord, SessionStore } from '../../session/store.ts';

export interface SqlSessionStoreOptions {
  /** Prefix of the table names, as given to `migrate`. Default `cognito_`. */
  readonly tablePrefix?: string;
  /** Clock in epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

export interface SqlSessionStore extends SessionStore {
  /** Deletes expired rows; returns how many. Run it now and then (expired rows are never read). */
  deleteExpired(): Promise<number>;
}

const PREFIX = /^[A-Za-z_][A-Za-z0-9_]{0,30}$|^$/;

// bigint columns come back as strings from pg and as numbers from the others.
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

export function createSqlSessionStore(
  db: Kysely<any>,
  options: SqlSessionStoreOptions = {},
): SqlSessionStore {
  const prefix = options.tablePrefix ?? 'cognito_';
  if (!PREFIX.test(prefix))
    throw new CognitoAuthError('CONFIG_INVALID', 'tablePrefix must be letters, digits or _');
  const table = `${prefix}sessions`;
  const now = options.now ?? Date.now;
  // The read on every request: compiled once, then run with fresh parameters (still bound
  // parameters, never interpolated), which saves building the query each time.
  const getSql = db
    .selectFrom(table)
    .select(['data', 'user_sub', 'expires_at'])
    .where('id_hash', '=', '')
    .where('expires_at', '>', 0)
    .compile().sql;

  return {
    async get(idHash) {
      const result = await db.executeQuery<Record<string, unknown>>(
        CompiledQuery.raw(getSql, [idHash, now()]),
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        data: row.data as string,
        userSub: (row.user_sub as string | null) ?? null,
        expiresAt: num(row.expires_at),
      };
    },
    async set(idHash, record: SessionRecord) {
      const t = now();
      // Update first (a refresh rewrites an existing row); insert when there was none. The
      // version bump makes MySQL report the row as changed even when the data is identical.
      const updated = await db
        .updateTable(table)
        .set((eb: any) => ({
          data: record.data,
          user_sub: record.userSub,
          expires_at: record.expiresAt,
          updated_at: t,
          version: eb('version', '+', 1),
        }))
        .where('id_hash', '=', idHash)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) return;
      await db
        .insertInto(table)
        .values({
          id_hash: idHash,
          user_sub: record.userSub,
          data: record.data,
          version: 0,
          created_at: t,
          updated_at: t,
          expires_at: record.expiresAt,
        })
        .execute();
    },
    async delete(idHash) {
      await db.deleteFrom(table).where('id_hash', '=', idHash).execute();
    },
    async touch(idHash, expiresAt) {
      await db
        .updateTable(table)
        .set({ expires_at: expiresAt, updated_at: now() })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now())
        .execute();
    },
    async acquireLease(idHash, owner, ttlMs) {
      const t = now();
      const result = await db
        .updateTable(table)
        .set({ lease_owner: owner, lease_until: t + ttlMs })
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', t)
        .where((eb: any) =>
          eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', t), eb('lease_owner', '=', owner)]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async releaseLease(idHash, owner) {
      await db
        .updateTable(table)
        .set({ lease_owner: null, lease_until: null })
        .where('id_hash', '=', idHash)
        .where('lease_owner', '=', owner)
        .execute();
    },
    async deleteExpired() {
      const result = await db.deleteFrom(table).where('expires_at', '<=', now()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
