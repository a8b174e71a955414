import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { sqlBackend } from './store.sql.ts';
import { runStoreSuite } from './store.suite.ts';

const url = process.env['TEST_POSTGRES_URL'];

// Each run works in its own schema, dropped at the end.
runStoreSuite(
  'postgres',
  sqlBackend(async () => {
    const schema = `ccg_sess_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Pool({ connectionString: url, max: 1 });
    await admin.query(`CREATE SCHEMA ${schema}`);
    const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    await sql`select 1`.execute(db);
    return {
      db,
      async close() {
        await db.destroy();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  }),
  url ? undefined : 'TEST_POSTGRES_URL not set',
);
