/** Opens a Kysely database for the store suite and runs the session migration on a random prefix. */
import { randomBytes } from 'node:crypto';
import { type Kysely, Migrator } from 'kysely';
import { sessionMigrations } from '../../src/store/kysely/migrations/sessions.ts';
import { createSqlSessionStore } from '../../src/store/kysely/session-store.ts';
import type { StoreSuiteBackend } from './store.suite.ts';

export function sqlBackend(
  openDb: () => Promise<{ db: Kysely<any>; close(): Promise<void> }>,
): StoreSuiteBackend {
  return {
    async open(now) {
      const { db, close } = await openDb();
      const prefix = `t${randomBytes(4).toString('hex')}_`;
      const migrations = sessionMigrations(prefix);
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => migrations },
        migrationTableName: `${prefix}migrations`,
        migrationLockTableName: `${prefix}migrations_lock`,
      });
      const result = await migrator.migrateToLatest();
      if (result.error) throw result.error;
      return {
        store: createSqlSessionStore(db, { tablePrefix: prefix, now }),
        async close() {
          for (const t of [`${prefix}sessions`, `${prefix}migrations`, `${prefix}migrations_lock`]) {
            await db.schema.dropTable(t).ifExists().execute();
          }
          await close();
        },
      };
    },
  };
}
