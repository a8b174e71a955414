/**
 * The database fault suite (issue 18), run on PostgreSQL and MariaDB: a TCP proxy the test
 * controls sits between the library's pool and the server, and resets, refuses or black-holes
 * its connections. The process must survive, the calls in flight must fail with STORE_FAILED
 * within the configured deadline, the loss must be reported once, and the pool must recover
 * without a restart.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { createReplica } from '../../src/store/kysely/replica.ts';
import { type CreateDatabaseOptions, createDatabase } from '../../src/store/kysely/database.ts';
import { migrate } from '../../src/store/kysely/migrations/index.ts';
import { fakeClock, POOL, principal, serverFactory, type TestDb } from '../replica/helpers.ts';
import { type FaultProxy, startFaultProxy, targetOf } from './proxy.ts';

/** Resolves once `check` is true, asking again after each short pause (never a fixed sleep). */
export async function eventually(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`never happened: ${what}`);
}

const isStoreFailed = (error: unknown) => (error as { code?: unknown }).code === 'STORE_FAILED';

/** Sessions of this database waiting for a row lock (on MySQL/MariaDB: running a locking read). */
async function lockWaiters(db: Kysely<any>, mysql: boolean): Promise<number> {
  const q = mysql
    ? // MariaDB waits for the row lock of a unique-key lookup while optimising ("Statistics"),
      // before innodb_trx shows the transaction as LOCK WAIT: look for the locking read itself.
      sql<{ n: number }>`select count(*) as n from information_schema.processlist
        where db = database() and id <> connection_id() and command = 'Query'
        and lower(info) like '%for update%'`
    : sql<{ n: number }>`select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock'`;
  const { rows } = await q.execute(db);
  return Number(rows[0]?.n ?? 0);
}

export function databaseFaults(name: string, adminUrl: string | undefined): void {
  // A hang (the bug this suite guards against) fails by this timeout instead of stalling the run.
  describe(`faults: ${name}`, { skip: adminUrl ? false : 'TEST_*_URL not set', timeout: 30_000 }, () => {
    const mysql = /^(mysql|mariadb):/i.test(adminUrl ?? '');
    let env: TestDb;
    let proxy: FaultProxy;
    const opened: Kysely<any>[] = [];

    before(async () => {
      env = await serverFactory(adminUrl as string)();
      await migrate(env.db);
      proxy = await startFaultProxy(targetOf(env.url));
    });
    after(async () => {
      await proxy?.heal();
      for (const db of opened) await db.destroy().catch(() => {});
      await proxy?.close();
      await env?.close();
    });

    /** A pool of one connection, through the proxy; its lost-connection reports in `errors`. */
    async function openProxied(options: CreateDatabaseOptions = {}) {
      await proxy.heal();
      const errors: Error[] = [];
      const db = await createDatabase(proxy.url(env.url), {
        poolSize: 1,
        onPoolError: (error) => errors.push(error),
        ...options,
      });
      opened.push(db);
      return { db, errors };
    }

    async function seed(sub: string): Promise<void> {
      const replica = createReplica({ db: env.db, poolId: POOL });
      await replica.applyUserState({ poolId: POOL, sub, username: sub, attributes: {} }, 'sync');
    }

    test('a reset during a query fails that call with STORE_FAILED, is reported once, and the pool recovers', async () => {
      await seed('reset-1');
      const { db, errors } = await openProxied({ queryTimeoutMs: 20_000 });
      const replica = createReplica({ db, poolId: POOL });
      await env.db.transaction().execute(async (trx) => {
        // Hold the row lock so the replica's locking read is in flight on the server.
        await trx.selectFrom('cognito_users').select('id').where('sub', '=', 'reset-1').forUpdate().execute();
        const pending = replica.setEnabled(POOL, 'reset-1', false, 'webhook');
        pending.catch(() => {});
        await eventually(
          async () => (await lockWaiters(env.db, mysql)) > 0,
          'the replica waits for the lock',
        );
        proxy.reset();
        await assert.rejects(pending, isStoreFailed);
      });
      await eventually(() => errors.length > 0, 'the loss is reported');
      assert.equal(errors.length, 1);
      // The pool opens a new connection by itself; the write was not applied.
      const user = await replica.getUserBySub('reset-1');
      assert.equal(user?.enabled, true);
      assert.equal(
        await replica.setEnabled(POOL, 'reset-1', false, 'webhook').then((u) => u?.enabled),
        false,
      );
      assert.equal(errors.length, 1);
    });

    test('a reset of an idle pooled connection is reported once and the next call opens a new one', async () => {
      const { db, errors } = await openProxied();
      await sql`select 1`.execute(db);
      const before = proxy.accepted;
      proxy.reset();
      await eventually(() => errors.length > 0, 'the idle loss is reported');
      const { rows } = await sql<{ x: number }>`select 1 as x`.execute(db);
      assert.equal(Number(rows[0]?.x), 1);
      assert.equal(proxy.accepted, before + 1);
      assert.equal(errors.length, 1);
    });

    test('a partition during a query costs STORE_FAILED within the query deadline; the pool recovers after', async () => {
      await seed('part-1');
      const { db } = await openProxied({ queryTimeoutMs: 1000 });
      const replica = createReplica({ db, poolId: POOL });
      assert.ok(await replica.getUserBySub('part-1'));
      proxy.blackhole();
      await assert.rejects(replica.getUserBySub('part-1'), (error: unknown) => {
        assert.ok(isStoreFailed(error));
        // The deadline, not a network error, ended the call.
        assert.match(String((error as { cause?: Error }).cause?.message), /timed out after 1000 ms/);
        return true;
      });
      await proxy.heal();
      assert.equal((await replica.getUserBySub('part-1'))?.sub, 'part-1');
    });

    test('a partition while connecting costs STORE_FAILED within the connect deadline', async () => {
      await seed('part-2');
      const { db } = await openProxied({ connectTimeoutMs: 1000 });
      const replica = createReplica({ db, poolId: POOL });
      proxy.blackhole();
      await assert.rejects(replica.getUserBySub('part-2'), isStoreFailed);
      await proxy.heal();
      assert.equal((await replica.getUserBySub('part-2'))?.sub, 'part-2');
    });

    test('a refused server fails calls with STORE_FAILED; they work again once it is back', async () => {
      await seed('refuse-1');
      const { db } = await openProxied();
      const replica = createReplica({ db, poolId: POOL });
      assert.ok(await replica.getUserBySub('refuse-1'));
      await proxy.refuse();
      await assert.rejects(replica.getUserBySub('refuse-1'), isStoreFailed);
      await assert.rejects(replica.getUserBySub('refuse-1'), isStoreFailed);
      await proxy.heal();
      assert.equal((await replica.getUserBySub('refuse-1'))?.sub, 'refuse-1');
    });

    test('replica outage, default: fail closed once the cache entry is past its TTL', async () => {
      const { db } = await openProxied();
      const clock = fakeClock();
      const replica = createReplica({ db, poolId: POOL, now: clock.now, cacheTtlMs: 1000 });
      const p = principal({ sub: 'closed-1' });
      const first = await replica.syncFromPrincipal(p, 'bearer');
      await proxy.refuse();
      // Within the TTL the cache answers without the database.
      assert.equal((await replica.syncFromPrincipal(p, 'bearer')).replicaUserId, first.replicaUserId);
      clock.advance(1001);
      await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), isStoreFailed);
    });

    test('replica outage, serveLastKnownForMs: the last known user for that long, reported once; refusals still hold', async () => {
      const { db } = await openProxied();
      const clock = fakeClock();
      const reports: unknown[] = [];
      const replica = createReplica({
        db,
        poolId: POOL,
        now: clock.now,
        cacheTtlMs: 1000,
        onStoreOutage: { serveLastKnownForMs: 60_000 },
        onDegraded: (error) => reports.push(error),
      });
      const p = principal({ sub: 'stale-1' });
      const off = principal({ sub: 'stale-off' });
      const first = await replica.syncFromPrincipal(p, 'bearer');
      await replica.syncFromPrincipal(off, 'bearer');
      await replica.setEnabled(POOL, 'stale-off', false, 'webhook');
      await proxy.refuse();
      clock.advance(30_000);
      assert.equal((await replica.syncFromPrincipal(p, 'session')).replicaUserId, first.replicaUserId);
      assert.equal((await replica.syncFromPrincipal(p, 'bearer')).replicaUserId, first.replicaUserId);
      assert.equal(reports.length, 1);
      assert.ok(isStoreFailed(reports[0]));
      // A user this process knew to be disabled is not let in by the degraded mode (the setEnabled
      // above dropped its cache entry, so there is no last known user to serve).
      await assert.rejects(replica.syncFromPrincipal(off, 'bearer'), isStoreFailed);
      // Past the window: closed again.
      clock.advance(30_001);
      await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), isStoreFailed);
      await proxy.heal();
      assert.equal((await replica.syncFromPrincipal(p, 'bearer')).replicaUserId, first.replicaUserId);
    });
  });
}
