import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { PairBackend } from './push.suite.ts';
import { sqlPair } from './push.pairs.ts';
import { runDenylistSuite, runPushSuite, runStoreModeSuite } from './push.suite.ts';

const url = process.env['TEST_POSTGRES_URL'];
const skip = url ? undefined : 'TEST_POSTGRES_URL not set';

/** A schema of its own; `b` listens on a connection named so the test can terminate it. */
function postgresPair(): PairBackend {
  const appName = `ccg-push-${randomBytes(4).toString('hex')}`;
  const pair = sqlPair(
    async () => {
      const schema = `ccg_push_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Pool({ connectionString: url, max: 1 });
      await admin.query(`CREATE SCHEMA ${schema}`);
      const open = () =>
        new Kysely<any>({
          dialect: new PostgresDialect({
            pool: new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema}` }),
          }),
        });
      const dbs: [Kysely<any>, Kysely<any>] = [open(), open()];
      return {
        dbs,
        async close() {
          for (const db of dbs) await db.destroy();
          await admin.query(`DROP SCHEMA ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
    () => ({
      listen: {
        heartbeatMs: 1000,
        connect: async () => {
          const client = new pg.Client({ connectionString: url, application_name: appName });
          await client.connect();
          return client;
        },
      },
    }),
  );
  return {
    openPair: pair.openPair,
    async killSubscriber() {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const r = await admin.query(
          'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
          [appName],
        );
        if (r.rowCount === 0) throw new Error('no listen connection to terminate');
      } finally {
        await admin.end();
      }
    },
  };
}

runPushSuite('postgres', postgresPair(), skip);
runDenylistSuite('postgres', postgresPair(), skip);
runStoreModeSuite('postgres', postgresPair(), skip);
