import { randomBytes } from 'node:crypto';
import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { sqlBackend } from './store.sql.ts';
import { runStoreSuite } from './store.suite.ts';

const url = process.env['TEST_MYSQL_URL'];

// Each run creates its own database and drops it at the end.
runStoreSuite(
  'mysql',
  sqlBackend(async () => {
    const name = `ccg_sess_${randomBytes(4).toString('hex')}`;
    const admin = createPool({ uri: url, connectionLimit: 1 }).promise();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(url!);
    u.pathname = `/${name}`;
    const db = new Kysely<any>({
      dialect: new MysqlDialect({ pool: createPool({ uri: u.href, connectionLimit: 10 }) }),
    });
    return {
      db,
      async close() {
        await db.destroy();
        await admin.query(`DROP DATABASE ${name}`);
        await admin.end();
      },
    };
  }),
  url ? undefined : 'TEST_MYSQL_URL not set',
);
