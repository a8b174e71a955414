import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Kysely, type LogEvent, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { sqlBackend } from './store.sql.ts';
import { runStoreSuite } from './store.suite.ts';

const url = process.env['TEST_POSTGRES_URL'];

/** A database in a schema of its own, dropped by `close`. */
async function openDb(log?: (event: LogEvent) => void) {
  const schema = `ccg_sess_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: url, max: 1 });
  await admin.query(`CREATE SCHEMA ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  await sql`select 1`.execute(db);
  return {
    db,
    async close() {
      await db.destroy();
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

runStoreSuite('postgres', sqlBackend(openDb), url ? undefined : 'TEST_POSTGRES_URL not set');

// The PostgreSQL form of getMany (one statement for every batch size, ids and versions as two
// arrays): the suite above checks its answers; this checks that it is the statement sent.
describe('postgres session store: getMany statement', {
  skip: url ? false : 'TEST_POSTGRES_URL not set',
}, () => {
  test('every batch size sends the same unnest statement', async () => {
    const sent: string[] = [];
    const { store, close } = await sqlBackend(() =>
      openDb((event) => {
        if (event.level === 'query') sent.push(event.query.sql);
      }),
    ).open(Date.now);
    try {
      const ids = ['a', 'b', 'c'].map((c) => c.repeat(64));
      for (const id of ids) {
        await store.set(id, { data: `data-${id}`, userSub: 's', expiresAt: Date.now() + 60_000 });
      }
      const v = (await store.get(ids[0]!))?.version;
      sent.length = 0;
      const one = await store.getMany!([ids[0]!]);
      const three = await store.getMany!(ids, [v, undefined, undefined]);
      assert.equal(one[0] && 'data' in one[0] ? one[0].data : undefined, `data-${ids[0]}`);
      assert.ok(three[0] && 'unchanged' in three[0]);
      assert.equal(sent.length, 2);
      assert.equal(sent[0], sent[1]);
      assert.match(sent[0]!, /unnest\(\$1::varchar\[\], \$2::integer\[\]\)/);
    } finally {
      await close();
    }
  });
});
