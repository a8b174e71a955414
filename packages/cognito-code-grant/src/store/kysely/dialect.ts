/**
 * What the SQL of this library needs to know about a database, as capabilities rather than
 * names (the way Kysely's own adapters describe themselves with `supportsReturning`,
 * `supportsTransactionalDdl`): the code asks "can it lock a read?", not "is it MySQL?". The one
 * place that maps a dialect to its capabilities is `dialectInfo` below.
 */
import { type Kysely, MysqlAdapter, PostgresAdapter, SqliteAdapter } from 'kysely';
import { CognitoAuthError } from '../../errors/errors.ts';

export type SqlFamily = 'sqlite' | 'postgres' | 'mysql';

export interface SqlDialectInfo {
  /** For messages and logs only: decisions read the flags below. */
  readonly family: SqlFamily;
  /** `INSERT ... RETURNING` / `UPDATE ... RETURNING`. */
  readonly returning: boolean;
  /** How a unique conflict is ignored or merged: `ON CONFLICT` or `ON DUPLICATE KEY UPDATE`. */
  readonly upsert: 'on-conflict' | 'on-duplicate-key';
  /**
   * `SELECT ... FOR UPDATE` exists. Without it (SQLite) a write transaction already holds the
   * whole database, which is the stronger lock.
   */
  readonly lockingReads: boolean;
  /** A failed migration's DDL is rolled back with its transaction. */
  readonly transactionalDdl: boolean;
  /**
   * Kysely's migrator can lock against another connection (advisory lock, GET_LOCK). Without it
   * two first runs may collide, and the loser runs again.
   */
  readonly migrationLock: boolean;
  /** Ids come from a `serial` column type (rather than `integer ... autoincrement`). */
  readonly serialIds: boolean;
  /** Tables need explicit options so text is utf8mb4 with a binary (code point) collation. */
  readonly explicitCharset: boolean;
  /** `text` stops at 64 KiB: long JSON goes in `mediumtext`. */
  readonly shortText: boolean;
  /** The planner keeps statistics that go stale after a bulk insert (`ANALYZE` helps). */
  readonly plannerStatistics: boolean;
  /** Arrays bind as one parameter and join as a table (`unnest($1::varchar[])`). */
  readonly arrayParameters: boolean;
  /** A push channel from the server itself: `LISTEN`/`NOTIFY`, fired by triggers at commit. */
  readonly notify: boolean;
  /** An index is named within its table: `DROP INDEX name ON table`. */
  readonly indexNamedByTable: boolean;
}

const DIALECTS: Readonly<Record<SqlFamily, SqlDialectInfo>> = Object.freeze({
  sqlite: Object.freeze({
    family: 'sqlite',
    returning: true,
    upsert: 'on-conflict',
    lockingReads: false,
    transactionalDdl: true,
    migrationLock: false,
    serialIds: false,
    explicitCharset: false,
    shortText: false,
    plannerStatistics: false,
    arrayParameters: false,
    notify: false,
    indexNamedByTable: false,
  }),
  postgres: Object.freeze({
    family: 'postgres',
    returning: true,
    upsert: 'on-conflict',
    lockingReads: true,
    transactionalDdl: true,
    migrationLock: true,
    serialIds: true,
    explicitCharset: false,
    shortText: false,
    plannerStatistics: true,
    arrayParameters: true,
    notify: true,
    indexNamedByTable: false,
  }),
  mysql: Object.freeze({
    family: 'mysql',
    returning: false,
    upsert: 'on-duplicate-key',
    lockingReads: true,
    transactionalDdl: false,
    migrationLock: true,
    serialIds: false,
    explicitCharset: true,
    shortText: true,
    plannerStatistics: false,
    arrayParameters: false,
    notify: false,
    indexNamedByTable: true,
  }),
});

/** The dialect description of a Kysely instance (from its adapter). */
export function dialectInfo(db: Kysely<any>): SqlDialectInfo {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return DIALECTS.postgres;
  if (adapter instanceof MysqlAdapter) return DIALECTS.mysql;
  if (adapter instanceof SqliteAdapter) return DIALECTS.sqlite;
  // Another copy of Kysely (ESM and CJS both loaded) fails instanceof: its class name still says.
  const name = adapter.constructor.name.toLowerCase();
  for (const family of ['postgres', 'mysql', 'sqlite'] as const) {
    if (name.includes(family)) return DIALECTS[family];
  }
  throw new CognitoAuthError('CONFIG_INVALID', `unsupported Kysely dialect: ${adapter.constructor.name}`);
}
