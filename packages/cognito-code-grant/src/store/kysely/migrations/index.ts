/**
 * In-code migrations for the replica and the session store, run by Kysely's Migrator: ordered by
 * name, and locked against concurrent runs (PostgreSQL advisory lock, MySQL GET_LOCK, SQLite's
 * single writer), so every instance of an app can call `migrate` at start.
 */
import { type Kysely, type Migration, type MigrationResult, Migrator } from 'kysely';
import { CognitoAuthError } from '../../../errors/errors.ts';
import { dialectInfo } from '../dialect.ts';
import { replicaTables } from '../tables.ts';
import { replicaMigrations } from './replica.ts';
import { sessionMigrations } from './sessions.ts';

/** Every migration of this library for a table prefix, keyed by its sortable name. */
export function getMigrations(prefix = 'cognito_'): Record<string, Migration> {
  replicaTables(prefix);
  return { ...replicaMigrations(prefix), ...sessionMigrations(prefix) };
}

export interface MigrateOptions {
  /** Prefix of every table, the migration bookkeeping tables included. Default `cognito_`. */
  readonly tablePrefix?: string;
}

export interface MigrateResult {
  /** Names of the migrations applied by this call (empty when already up to date). */
  readonly applied: readonly string[];
  readonly results: readonly MigrationResult[];
}

/**
 * Brings the schema up to date. Safe to call concurrently from several processes. Throws
 * MIGRATION_FAILED (with the driver error as `cause`) when a migration fails; that migration's
 * transaction is rolled back where the database supports transactional DDL.
 */
export async function migrate(db: Kysely<any>, options: MigrateOptions = {}): Promise<MigrateResult> {
  const prefix = options.tablePrefix ?? 'cognito_';
  const migrations = getMigrations(prefix);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${prefix}migrations`,
    migrationLockTableName: `${prefix}migrations_lock`,
  });
  let outcome: Awaited<ReturnType<Migrator['migrateToLatest']>>;
  // Without a lock Kysely can take (SQLite), two connections racing a deferred transaction
  // collide (busy, or "already exists" once the winner committed). The loser simply runs again
  // and then finds everything applied.
  const unlocked = !dialectInfo(db).migrationLock;
  for (let attempt = 0; ; attempt++) {
    try {
      outcome = await migrator.migrateToLatest();
    } catch (cause) {
      throw new CognitoAuthError('MIGRATION_FAILED', 'migration run failed', { cause });
    }
    if (!unlocked || outcome.error === undefined || attempt >= 20 || !isSqliteRace(outcome.error)) break;
  }
  const results = outcome.results ?? [];
  if (outcome.error !== undefined) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw new CognitoAuthError('MIGRATION_FAILED', `migration ${failed ?? '(setup)'} failed`, {
      cause: outcome.error,
      details: { failed },
    });
  }
  return {
    applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName),
    results,
  };
}

function isSqliteRace(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown };
  return (
    (typeof e?.code === 'string' && e.code.startsWith('SQLITE_BUSY')) ||
    (typeof e?.message === 'string' &&
      /already exists|database is locked|UNIQUE constraint failed/.test(e.message))
  );
}
