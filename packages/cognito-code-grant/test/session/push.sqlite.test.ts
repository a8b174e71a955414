import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { sqlPair } from './push.pairs.ts';
import { runDenylistSuite } from './push.suite.ts';

// SQLite has no channel: the deny-list is polled (one file, one or several processes).
runDenylistSuite(
  'sqlite',
  sqlPair(async () => {
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    return { dbs: [db, db], close: () => db.destroy() };
  }),
);
