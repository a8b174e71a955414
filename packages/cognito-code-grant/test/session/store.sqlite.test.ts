import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { sqlBackend } from './store.sql.ts';
import { runStoreSuite } from './store.suite.ts';

runStoreSuite(
  'sqlite',
  sqlBackend(async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    return { db, close: () => db.destroy() };
  }),
);
