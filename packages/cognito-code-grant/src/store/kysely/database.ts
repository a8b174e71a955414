/**
 * Opens a Kysely instance from a database URL. The drivers are optional peers, loaded with a
 * dynamic `import()` only for the dialect in use, so an app on PostgreSQL never needs
 * better-sqlite3 installed (and vice versa).
 */
import {
  Kysely,
  type KyselyPlugin,
  type LogConfig,
  MysqlAdapter,
  MysqlDialect,
  PostgresAdapter,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
} from 'kysely';
import { CognitoAuthError } from '../../errors/errors.ts';

export type SqlDialect = 'sqlite' | 'postgres' | 'mysql';

export interface CreateDatabaseOptions {
  /** Connections in the pool (PostgreSQL, MySQL). Default 10. */
  readonly poolSize?: number;
  /** SQLite: milliseconds a writer waits for a lock before SQLITE_BUSY. Default 5000. */
  readonly busyTimeoutMs?: number;
  readonly plugins?: readonly KyselyPlugin[];
  readonly log?: LogConfig;
  /** PostgreSQL: told about errors of idle pooled connections (they are discarded and replaced). */
  readonly onPoolError?: (error: Error) => void;
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
  const poolSize = options.poolSize ?? 10;
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
    const pool = new pg.Pool({ connectionString: target, max: poolSize, types });
    // An idle client whose server connection dies (restart, failover, admin termination) emits
    // 'error' on the pool; unhandled it would crash the process. The pool drops that client and
    // the next query opens a new one.
    pool.on('error', (error) => options.onPoolError?.(error));
    return new Kysely<any>({ dialect: new PostgresDialect({ pool }), ...common });
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
  });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool: pool as never }), ...common });
}

/** The dialect family of a Kysely instance (from its adapter). */
export function dialectOf(db: Kysely<any>): SqlDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return 'postgres';
  if (adapter instanceof MysqlAdapter) return 'mysql';
  if (adapter instanceof SqliteAdapter) return 'sqlite';
  const name = adapter.constructor.name.toLowerCase();
  if (name.includes('postgres')) return 'postgres';
  if (name.includes('mysql')) return 'mysql';
  if (name.includes('sqlite')) return 'sqlite';
  throw new CognitoAuthError('CONFIG_INVALID', `unsupported Kysely dialect: ${adapter.constructor.name}`);
}
