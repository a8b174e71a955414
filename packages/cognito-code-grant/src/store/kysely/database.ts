/**
 * Opens a Kysely instance from a database URL. The drivers are optional peers, loaded with a
 * dynamic `import()` only for the dialect in use, so an app on PostgreSQL never needs
 * better-sqlite3 installed (and vice versa).
 */
import {
  Kysely,
  type KyselyPlugin,
  type LogConfig,
  MysqlDialect,
  PostgresDialect,
  SqliteDialect,
} from 'kysely';
import { CognitoAuthError } from '../../errors/errors.ts';
import { guardMysqlPool, guardPgPool } from './connection-guards.ts';
import { dialectInfo, type SqlFamily } from './dialect.ts';

export type SqlDialect = SqlFamily;

export interface CreateDatabaseOptions {
  /** Connections in the pool (PostgreSQL, MySQL). Default 10. */
  readonly poolSize?: number;
  /** SQLite: milliseconds a writer waits for a lock before SQLITE_BUSY. Default 5000. */
  readonly busyTimeoutMs?: number;
  readonly plugins?: readonly KyselyPlugin[];
  readonly log?: LogConfig;
  /**
   * PostgreSQL, MySQL/MariaDB: told once about each lost connection, idle or in use (server
   * restart, failover, admin termination, network reset). The calls running on it fail with
   * STORE_FAILED, the connection is dropped and the pool opens a new one when needed. Default: a
   * one-line `console.warn`.
   */
  readonly onPoolError?: (error: Error) => void;
  /**
   * PostgreSQL, MySQL/MariaDB: milliseconds to open a connection, or to wait for a free one when
   * all `poolSize` are busy. Default 5000; 0 waits forever.
   */
  readonly connectTimeoutMs?: number;
  /**
   * PostgreSQL, MySQL/MariaDB: milliseconds one query may take. When it passes the call fails
   * with STORE_FAILED and the connection is closed (a partitioned connection must not be handed
   * out again). PostgreSQL also gets it as `statement_timeout`, so the server cancels the
   * statement itself. Default 10000; 0 for none (long migrations on large tables).
   */
  readonly queryTimeoutMs?: number;
}

/** The defaults of `CreateDatabaseOptions` (docs/configuration.md explains the choice). */
export const DATABASE_DEFAULTS = Object.freeze({
  poolSize: 10,
  busyTimeoutMs: 5000,
  connectTimeoutMs: 5000,
  queryTimeoutMs: 10_000,
});

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0)
    throw new CognitoAuthError('CONFIG_INVALID', `${name} must be a number >= 0`);
  return Math.floor(value);
}

function warnPoolError(error: Error): void {
  console.warn(`[cognito-code-grant] database connection lost: ${error.message}`);
}

interface ParsedUrl {
  readonly dialect: SqlDialect;
  readonly target: string;
}

/** Classifies a database URL without opening anything. */
export function parseDatabaseUrl(url: string): ParsedUrl {
  const trimmed = url.trim();
  if (trimmed === '') throw new CognitoAuthError('CONFIG_INVALID', 'database URL is empty');
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', target: trimmed };
  if (/^(mysql|mariadb):\/\//i.test(trimmed)) {
    return { dialect: 'mysql', target: trimmed.replace(/^mariadb:/i, 'mysql:') };
  }
  if (/^sqlite:/i.test(trimmed)) {
    // sqlite:path, sqlite://path, sqlite:///abs/path, sqlite::memory:
    const rest = trimmed
      .slice('sqlite:'.length)
      .replace(/^\/\/(?=\/)/, '')
      .replace(/^\/\/(?!\/)/, '');
    if (rest === '') throw new CognitoAuthError('CONFIG_INVALID', 'sqlite URL has no path');
    return { dialect: 'sqlite', target: rest };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    throw new CognitoAuthError(
      'CONFIG_INVALID',
      'unsupported database URL scheme (use sqlite:, postgres:, mysql:)',
    );
  }
  return { dialect: 'sqlite', target: trimmed };
}

async function importDriver<T>(name: string): Promise<T> {
  try {
    const mod = (await import(name)) as { default?: T } & T;
    return (mod.default ?? mod) as T;
  } catch (cause) {
    throw new CognitoAuthError('CONFIG_INVALID', `the "${name}" package is required for this database URL`, {
      cause,
    });
  }
}

/**
 * Creates a Kysely instance for `sqlite:path` / a plain file path / `:memory:` (better-sqlite3,
 * WAL, busy timeout, foreign keys on), `postgres://` / `postgresql://` (pg Pool, int8 parsed as
 * number) or `mysql://` / `mariadb://` (mysql2 pool, utf8mb4). The caller owns it: `db.destroy()`.
 */
export async function createDatabase(url: string, options: CreateDatabaseOptions = {}): Promise<Kysely<any>> {
  const { dialect, target } = parseDatabaseUrl(url);
  const poolSize = options.poolSize ?? DATABASE_DEFAULTS.poolSize;
  const guards = {
    connectTimeoutMs: nonNegative(
      'connectTimeoutMs',
      options.connectTimeoutMs,
      DATABASE_DEFAULTS.connectTimeoutMs,
    ),
    queryTimeoutMs: nonNegative('queryTimeoutMs', options.queryTimeoutMs, DATABASE_DEFAULTS.queryTimeoutMs),
    report: options.onPoolError ?? warnPoolError,
  };
  if (options.onPoolError !== undefined && typeof options.onPoolError !== 'function')
    throw new CognitoAuthError('CONFIG_INVALID', 'onPoolError must be a function');
  const common = { plugins: options.plugins ? [...options.plugins] : [], log: options.log };
  if (dialect === 'sqlite') {
    const Database = await importDriver<typeof import('better-sqlite3')>('better-sqlite3');
    const sqlite = new Database(target);
    if (target !== ':memory:') sqlite.pragma('journal_mode = WAL');
    sqlite.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    sqlite.pragma('foreign_keys = ON');
    sqlite.defaultSafeIntegers(false);
    return new Kysely<any>({ dialect: new SqliteDialect({ database: sqlite }), ...common });
  }
  if (dialect === 'postgres') {
    const pg = await importDriver<typeof import('pg')>('pg');
    const int8 = (value: string) => Number(value);
    // Per-pool type overrides: the module-wide pg.types stays untouched.
    const types = {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 && format !== 'binary' ? int8 : pg.types.getTypeParser(oid, format)) as never,
    };
    const pool = new pg.Pool({
      connectionString: target,
      max: poolSize,
      types,
      connectionTimeoutMillis: guards.connectTimeoutMs,
      // The server cancels a statement past the deadline itself (the connection stays usable).
      ...(guards.queryTimeoutMs > 0 ? { statement_timeout: guards.queryTimeoutMs } : {}),
      // A dead peer is noticed by TCP even while the pool is idle.
      keepAlive: true,
    });
    const guarded = guardPgPool(pool as never, guards);
    return new Kysely<any>({ dialect: new PostgresDialect({ pool: guarded as never }), ...common });
  }
  const mysql = await importDriver<typeof import('mysql2')>('mysql2');
  const pool = mysql.createPool({
    uri: target,
    connectionLimit: poolSize,
    charset: 'utf8mb4_bin',
    // Affected rows = rows really changed, so "INSERT .. ON DUPLICATE KEY UPDATE id = id" reports 0 on a duplicate.
    flags: ['-FOUND_ROWS'],
    supportBigNumbers: true,
    bigNumberStrings: false,
    ...(guards.connectTimeoutMs > 0 ? { connectTimeout: guards.connectTimeoutMs } : {}),
    enableKeepAlive: true,
  });
  const guarded = guardMysqlPool(pool as never, guards);
  return new Kysely<any>({ dialect: new MysqlDialect({ pool: guarded as never }), ...common });
}

/** The dialect family of a Kysely instance (from its adapter); `dialectInfo` has its capabilities. */
export function dialectOf(db: Kysely<any>): SqlDialect {
  return dialectInfo(db).family;
}
