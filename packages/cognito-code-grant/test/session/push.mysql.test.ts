import { randomBytes } from 'node:crypto';
import { Kysely, MysqlDialect } from 'kysely';
import { createPool } from 'mysql2';
import { sqlPair } from './push.pairs.ts';
import { runDenylistSuite } from './push.suite.ts';

const url = process.env['TEST_MYSQL_URL'];

// MySQL/MariaDB have no channel: the deny-list is polled.
runDenylistSuite(
  'mysql',
  sqlPair(async () => {
    const name = `ccg_push_${randomBytes(4).toString('hex')}`;
    const admin = createPool({ uri: url, connectionLimit: 1 }).promise();
    await admin.query(`CREATE DATABASE ${name}`);
    const u = new URL(url!);
    u.pathname = `/${name}`;
    const open = () =>
      new Kysely<any>({
        dialect: new MysqlDialect({ pool: createPool({ uri: u.href, connectionLimit: 4 }) }),
      });
    const dbs: [Kysely<any>, Kysely<any>] = [open(), open()];
    return {
      dbs,
      async close() {
        for (const db of dbs) await db.destroy();
        await admin.query(`DROP DATABASE ${name}`);
        await admin.end();
      },
    };
  }),
  url ? undefined : 'TEST_MYSQL_URL not set',
);
