/**
 * SQL for the replica tables shared by the user store (per user, user-store.ts) and the sync's
 * bulk store (per batch, sync-store.ts): rows to users, retries, conflict-ignoring inserts,
 * group ids and membership replacement. Every value is a bound parameter: usernames, emails and
 * group names are data, never SQL.
 */
import { type Expression, type Kysely, type Transaction, sql } from 'kysely';
import { CognitoAuthError } from '../../errors/errors.ts';
import type { ReplicaGroup, ReplicaUser } from '../../replica/types.ts';
import type { StoredUser, UserFields } from '../../replica/user-store.ts';
import { dialectInfo, type SqlDialectInfo } from './dialect.ts';
import { type ReplicaTables, replicaTables } from './tables.ts';

export type Db = Kysely<any> | Transaction<any>;

export interface UserRow {
  id: number;
  pool_id: string;
  sub: string | null;
  username: string | null;
  email: string | null;
  email_lower: string | null;
  email_verified: number | null;
  status: string | null;
  enabled: number;
  attributes: string;
  fingerprint: string | null;
  seen_run: string | null;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  last_seen_at: number | null;
  deleted_at: number | null;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

export function rowToUser(row: UserRow): ReplicaUser {
  let attributes: Record<string, string> = {};
  try {
    attributes = JSON.parse(row.attributes) as Record<string, string>;
  } catch {
    attributes = {};
  }
  return Object.freeze({
    id: num(row.id),
    poolId: row.pool_id,
    sub: row.sub,
    username: row.username,
    email: row.email,
    emailVerified:
      row.email_verified === null || row.email_verified === undefined ? null : num(row.email_verified) === 1,
    status: row.status,
    enabled: num(row.enabled) === 1,
    attributes: Object.freeze(attributes),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
    lastLoginAt: numOrNull(row.last_login_at),
    lastSeenAt: numOrNull(row.last_seen_at),
    deletedAt: numOrNull(row.deleted_at),
  });
}

/** The users table's columns for a user's fields, by column name. */
export type FieldColumns = ReturnType<typeof fieldColumns>;

/** The columns of `fields` (booleans as 0/1, attributes as JSON). */
export function fieldColumns(fields: UserFields) {
  return {
    username: fields.username,
    email: fields.email,
    email_lower: fields.emailLower,
    email_verified: fields.emailVerified === null ? null : fields.emailVerified ? 1 : 0,
    status: fields.status,
    enabled: fields.enabled ? 1 : 0,
    attributes: JSON.stringify(fields.attributes),
    fingerprint: fields.fingerprint,
  };
}

export function rowToStored(row: UserRow, groups: readonly string[]): StoredUser {
  return { user: rowToUser(row), groups, fingerprint: row.fingerprint ?? null };
}

export function rowToGroup(row: Record<string, unknown>): ReplicaGroup {
  return Object.freeze({
    id: num(row.id),
    poolId: String(row.pool_id),
    name: String(row.name),
    description: (row.description as string | null) ?? null,
    precedence: numOrNull(row.precedence),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  });
}

const RETRYABLE = new Set([
  '40001',
  '40P01',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
  'SQLITE_BUSY',
  'SQLITE_BUSY_SNAPSHOT',
]);

/** A deadlock / serialization failure / busy database: the transaction can simply run again. */
export function isRetryable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE.has(code);
}

/**
 * Upsert columns set by an expression of the existing row and the incoming one, which
 * `incoming(column)` names in the dialect's own way (`excluded.c`, `values(c)`).
 */
export type ComputedColumns = Readonly<
  Record<string, (incoming: (column: string) => Expression<unknown>) => Expression<unknown>>
>;

export class ReplicaSql {
  readonly db: Kysely<any>;
  readonly t: ReplicaTables;
  readonly dialect: SqlDialectInfo;

  constructor(db: Kysely<any>, tablePrefix = 'cognito_') {
    this.db = db;
    this.t = replicaTables(tablePrefix);
    this.dialect = dialectInfo(db);
  }

  /** Runs `fn` in a transaction, again (up to 5 times) on deadlocks, lock timeouts and busy errors. */
  transaction<T>(fn: (trx: Transaction<any>) => Promise<T>): Promise<T> {
    return this.write(() => this.db.transaction().execute(fn), true);
  }

  /**
   * Runs one write, again on deadlocks and busy errors, up to 5 times, after a short random
   * pause (two writers retrying at once would meet again). A single statement is not retried
   * after a lock-wait timeout: it already waited that long (50 s by default on MySQL).
   */
  async write<T>(fn: () => Promise<T>, afterLockTimeout = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        if (attempt < 4 && isRetryable(error) && (afterLockTimeout || code !== 'ER_LOCK_WAIT_TIMEOUT')) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * (attempt + 1)));
          continue;
        }
        if (error instanceof CognitoAuthError) throw error;
        throw new CognitoAuthError('STORE_FAILED', 'replica write failed', { cause: error });
      }
    }
  }

  async read<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (cause) {
      throw new CognitoAuthError('STORE_FAILED', 'replica read failed', { cause });
    }
  }

  findBySub(db: Db, poolId: string, sub: string, lock = false): Promise<UserRow | undefined> {
    let q = db.selectFrom(this.t.users).selectAll().where('pool_id', '=', poolId).where('sub', '=', sub);
    if (lock && this.dialect.lockingReads) q = q.forUpdate();
    return q.executeTakeFirst() as Promise<UserRow | undefined>;
  }

  findById(db: Db, id: number): Promise<UserRow | undefined> {
    return db.selectFrom(this.t.users).selectAll().where('id', '=', id).executeTakeFirst() as Promise<
      UserRow | undefined
    >;
  }

  async findBySubs(db: Db, poolId: string, subs: readonly string[]): Promise<UserRow[]> {
    if (subs.length === 0) return [];
    return (await db
      .selectFrom(this.t.users)
      .selectAll()
      .where('pool_id', '=', poolId)
      .where('sub', 'in', subs as string[])
      .execute()) as UserRow[];
  }

  /** id and deletion time by sub (the membership pass needs no more). */
  async idsBySubs(
    db: Db,
    poolId: string,
    subs: readonly string[],
  ): Promise<{ id: number; deleted_at: number | null }[]> {
    if (subs.length === 0) return [];
    return (await db
      .selectFrom(this.t.users)
      .select(['id', 'deleted_at'])
      .where('pool_id', '=', poolId)
      .where('sub', 'in', subs as string[])
      .execute()) as { id: number; deleted_at: number | null }[];
  }

  /**
   * Refreshes planner statistics after bulk inserts (PostgreSQL): a table analysed while nearly
   * empty makes the planner choose scans that get slower with every batch.
   */
  async analyze(): Promise<void> {
    if (this.dialect.plannerStatistics) await sql`analyze ${sql.table(this.t.users)}`.execute(this.db);
  }

  /** Group names of one user, sorted by code unit. */
  async groupNames(db: Db, userId: number): Promise<string[]> {
    const rows = await db
      .selectFrom(`${this.t.userGroups} as ug`)
      .innerJoin(`${this.t.groups} as g`, 'g.id', 'ug.group_id')
      .select(['g.name as name'])
      .where('ug.user_id', '=', userId)
      .execute();
    return rows.map((r) => String(r.name)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /** INSERT that does nothing on a unique conflict; resolves true when a row was inserted. */
  async insertIgnore(
    db: Db,
    table: string,
    values: Record<string, unknown>,
    conflict: string[],
  ): Promise<boolean> {
    const [result] = await this.insertIgnoreQuery(db, table, [values], conflict).execute();
    return Number(result?.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  insertIgnoreQuery(db: Db, table: string, rows: Record<string, unknown>[], conflict: string[]) {
    const q = db.insertInto(table).values(rows);
    // A no-op update instead of INSERT IGNORE, which would also turn truncation into a warning.
    if (this.dialect.upsert === 'on-duplicate-key')
      return q.onDuplicateKeyUpdate({ [conflict[0] as string]: sql.ref(conflict[0] as string) });
    return q.onConflict((oc) => oc.columns(conflict as never).doNothing());
  }

  /**
   * A multi-row upsert: rows inserted, or on a `conflict` their `update` columns replaced with the
   * new values (`ON CONFLICT ... DO UPDATE SET c = excluded.c` / `ON DUPLICATE KEY UPDATE c =
   * VALUES(c)`, by the dialect's upsert form). The rows must not repeat a conflict key.
   */
  upsertQuery(
    db: Db,
    table: string,
    rows: Record<string, unknown>[],
    conflict: string[],
    update: readonly string[],
    computed: ComputedColumns = {},
  ) {
    const q = db.insertInto(table).values(rows);
    const onDuplicate = this.dialect.upsert === 'on-duplicate-key';
    const incoming = (c: string): Expression<unknown> =>
      onDuplicate ? sql`values(${sql.ref(c)})` : sql.ref(`excluded.${c}`);
    const set = Object.fromEntries(update.map((c) => [c, computed[c]?.(incoming) ?? incoming(c)]));
    if (onDuplicate) return q.onDuplicateKeyUpdate(set as never);
    return q.onConflict((oc) => oc.columns(conflict as never).doUpdateSet(set as never));
  }

  /** Creates missing groups and returns name -> id for all of `names`. */
  async ensureGroups(
    db: Db,
    poolId: string,
    names: readonly string[],
    now: number,
  ): Promise<Map<string, number>> {
    const ids = new Map<string, number>();
    if (names.length === 0) return ids;
    const existing = await db
      .selectFrom(this.t.groups)
      .select(['id', 'name'])
      .where('pool_id', '=', poolId)
      .where('name', 'in', names as string[])
      .execute();
    for (const r of existing) ids.set(String(r.name), num(r.id));
    const missing = names.filter((n) => !ids.has(n));
    if (missing.length > 0) {
      await this.insertIgnoreQuery(
        db,
        this.t.groups,
        missing.map((name) => ({ pool_id: poolId, name, created_at: now, updated_at: now })),
        ['pool_id', 'name'],
      ).execute();
      let added = db
        .selectFrom(this.t.groups)
        .select(['id', 'name'])
        .where('pool_id', '=', poolId)
        .where('name', 'in', missing);
      // A locking read (FOR UPDATE: MariaDB has no FOR SHARE) sees the latest committed rows.
      // Under MySQL's REPEATABLE READ a plain one keeps this transaction's first snapshot and
      // misses a group another transaction created meanwhile (whose duplicate key made the
      // insert above a no-op), and the membership was then written without a group id.
      if (this.dialect.lockingReads) added = added.forUpdate();
      for (const r of await added.execute()) ids.set(String(r.name), num(r.id));
      const lost = missing.filter((n) => !ids.has(n));
      if (lost.length > 0)
        throw new CognitoAuthError(
          'STORE_FAILED',
          `replica groups vanished during the write: ${lost.length}`,
        );
    }
    return ids;
  }

  /** Makes the user's memberships exactly `names`; returns what was added and removed. */
  async replaceMemberships(
    db: Db,
    poolId: string,
    userId: number,
    names: readonly string[],
    now: number,
  ): Promise<{ added: string[]; removed: string[] }> {
    const current = await db
      .selectFrom(`${this.t.userGroups} as ug`)
      .innerJoin(`${this.t.groups} as g`, 'g.id', 'ug.group_id')
      .select(['g.id as id', 'g.name as name'])
      .where('ug.user_id', '=', userId)
      .execute();
    const want = new Set(names);
    const have = new Map(current.map((r) => [String(r.name), num(r.id)]));
    const removed = [...have.keys()].filter((n) => !want.has(n));
    const addNames = names.filter((n) => !have.has(n));
    if (removed.length > 0) {
      await db
        .deleteFrom(this.t.userGroups)
        .where('user_id', '=', userId)
        .where(
          'group_id',
          'in',
          removed.map((n) => have.get(n) as number),
        )
        .execute();
    }
    if (addNames.length > 0) {
      const ids = await this.ensureGroups(db, poolId, addNames, now);
      await this.insertIgnoreQuery(
        db,
        this.t.userGroups,
        addNames.map((n) => ({ user_id: userId, group_id: ids.get(n) as number, created_at: now })),
        ['user_id', 'group_id'],
      ).execute();
    }
    return { added: addNames, removed };
  }
}
