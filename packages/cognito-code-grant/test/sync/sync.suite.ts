/**
 * The sync against the emulator's admin API (real AWS SDK v3 client, dummy credentials), on each
 * database: a pool of several thousand users, changes between runs, dry run, throttling.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { start } from 'cognito-code-grant-emulator';
import type { Kysely } from 'kysely';
import { createReplica } from '../../src/store/kysely/replica.ts';
import { migrate } from '../../src/store/kysely/migrations/index.ts';
import { createKyselySyncStore } from '../../src/store/kysely/sync-store.ts';
import { syncPool } from '../../src/sync/index.ts';
import { count, type DbFactory, principal, StatementCounter, type TestDb } from '../replica/helpers.ts';
import { syncRunId } from '../../src/sync/run-id.ts';
import { userFields } from '../../src/replica/user-fields.ts';

const POOL_ID = 'eu-west-1_SyncPool1';

/** The counts of a report (what a dry run promises and a real run applies). */
function countsOf(report: Awaited<ReturnType<typeof syncPool>>) {
  const { dryRun: _d, runId: _r, durationMs: _t, retries: _x, ...counts } = report;
  return counts;
}
const USERS = 3000;

function seed() {
  const groups = [
    { groupName: 'admins', description: 'Admins', precedence: 0 },
    { groupName: 'editors', precedence: 5 },
    { groupName: 'readers' },
    { groupName: 'doomed' },
  ];
  const users = Array.from({ length: USERS }, (_, i) => ({
    username: `user${i}`,
    sub: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    attributes: {
      email: `User${i}@Example.com`,
      email_verified: i % 2 ? 'true' : 'false',
      'custom:n': String(i),
    },
    groups: i % 10 === 0 ? ['admins', 'readers'] : i % 3 === 0 ? ['editors', 'doomed'] : ['readers'],
    status: 'CONFIRMED',
  }));
  return { pools: [{ userPoolId: POOL_ID, clients: [], groups, users }] };
}

export function syncSuite(name: string, factory: DbFactory | undefined, skip?: string): void {
  describe(`sync: ${name}`, { skip: skip ?? false }, () => {
    let env: TestDb;
    let db: Kysely<any>;
    let emu: Awaited<ReturnType<typeof start>>;
    let client: CognitoIdentityProviderClient;
    const sleeps: number[] = [];
    const sleep = async (ms: number) => void sleeps.push(ms);

    before(async () => {
      env = await (factory as DbFactory)();
      db = env.db;
      await migrate(db);
      emu = await start({ port: 0, seed: seed() as never, log: () => {} } as never);
      client = new CognitoIdentityProviderClient({
        region: 'eu-west-1',
        endpoint: emu.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      });
    });
    after(async () => {
      client?.destroy();
      await emu?.stop();
      await env?.close();
    });

    test('dry run on an empty replica reports everything and writes nothing', async () => {
      const counter = new StatementCounter();
      const report = await syncPool({
        db: db.withPlugin(counter),
        userPoolId: POOL_ID,
        client,
        dryRun: true,
        sleep,
      });
      assert.equal(report.created, USERS);
      assert.equal(report.groupsCreated, 4);
      assert.equal(counter.writes, 0);
      assert.equal(await count(db, 'cognito_users'), 0);
      dryOnEmpty = report;
    });
    let dryOnEmpty: Awaited<ReturnType<typeof syncPool>> | undefined;

    test('first run creates users, groups and memberships; hooks fire', async () => {
      let created = 0;
      const replica = createReplica({ db, hooks: { userCreated: () => void created++ } });
      const progress: string[] = [];
      const report = await syncPool({
        replica,
        userPoolId: POOL_ID,
        client,
        sleep,
        batchSize: 700,
        onProgress: (p) => progress.push(p.phase),
      });
      assert.equal(report.usersSeen, USERS);
      assert.equal(report.created, USERS);
      assert.equal(created, USERS);
      assert.equal(report.groupsCreated, 4);
      const admins = USERS / 10;
      const editors = Array.from({ length: USERS }, (_, i) => i).filter(
        (i) => i % 10 !== 0 && i % 3 === 0,
      ).length;
      assert.equal(report.membershipsAdded, admins * 2 + editors * 2 + (USERS - admins - editors));
      assert.equal(await count(db, 'cognito_users'), USERS);
      assert.equal(await count(db, 'cognito_user_groups'), report.membershipsAdded);
      const u = await replica.getUserBySub('00000000-0000-4000-8000-000000000010', POOL_ID);
      assert.equal(u?.email, 'User10@Example.com');
      assert.equal(u?.attributes['custom:n'], '10');
      assert.equal(u?.status, 'CONFIRMED');
      assert.deepEqual(await replica.getUserGroups(u?.id as number), ['admins', 'readers']);
      const g = (await replica.listGroups(POOL_ID)).find((x) => x.name === 'admins');
      assert.equal(g?.description, 'Admins');
      assert.equal(g?.precedence, 0);
      assert.ok(progress.includes('users') && progress.at(-1) === 'done');
      // The dry run before it promised exactly this (memberships of users it would create included).
      assert.deepEqual(countsOf(dryOnEmpty!), countsOf(report));
    });

    test('a second run with no change writes nothing', async () => {
      const counter = new StatementCounter();
      const report = await syncPool({ db: db.withPlugin(counter), userPoolId: POOL_ID, client, sleep });
      assert.equal(report.unchanged, USERS);
      assert.equal(
        report.created +
          report.updated +
          report.deleted +
          report.membershipsAdded +
          report.membershipsRemoved,
        0,
      );
      // Only the seen-mark statements (one per 500 users).
      assert.ok(counter.writes <= Math.ceil(USERS / 500) + 2, `writes: ${counter.writes}`);
    });

    test('changes, disables, deletes and group edits in Cognito are mirrored; dry run first', async () => {
      const pool = emu.state.pool(POOL_ID);
      const user = (n: number) => emu.state.getUser(pool, `user${n}`);
      emu.state.updateAttributes(pool, user(1), { email: 'changed1@example.com' });
      emu.state.setEnabled(pool, user(2), false);
      emu.state.deleteUser(pool, user(4));
      emu.state.deleteUser(pool, user(5));
      emu.state.adminCreateUser(pool, 'newcomer', { email: 'new@example.com' }, undefined);
      emu.state.removeFromGroup(pool, user(10), emu.state.getGroup(pool, 'admins'));
      emu.state.addToGroup(pool, user(7), emu.state.getGroup(pool, 'admins'));
      emu.state.deleteGroup(pool, emu.state.getGroup(pool, 'doomed'));
      emu.state.createGroup(pool, 'fresh', { description: 'new group' });
      emu.state.addToGroup(pool, user(8), emu.state.getGroup(pool, 'fresh'));

      const counter = new StatementCounter();
      const dry = await syncPool({
        db: db.withPlugin(counter),
        userPoolId: POOL_ID,
        client,
        sleep,
        dryRun: true,
      });
      assert.equal(counter.writes, 0);
      const expect = { created: 1, updated: 1, disabled: 1, deleted: 2, groupsCreated: 1, groupsDeleted: 1 };
      for (const [k, v] of Object.entries(expect)) assert.equal(dry[k as keyof typeof dry], v, `dry ${k}`);

      const deleted: string[] = [];
      const changes: string[] = [];
      const replica = createReplica({
        db,
        hooks: {
          userDeleted: (e) => void deleted.push(e.user.username as string),
          groupsChanged: (e) => void changes.push(`${e.user.username}:+${e.added}-${e.removed}`),
        },
      });
      const report = await syncPool({ replica, userPoolId: POOL_ID, client, sleep });
      for (const [k, v] of Object.entries(expect))
        assert.equal(report[k as keyof typeof report], v, `real ${k}`);
      // Exactly what the dry run said: memberships of deleted users and groups included.
      assert.deepEqual(countsOf(dry), countsOf(report));
      assert.deepEqual(deleted.sort(), ['user4', 'user5']);
      assert.ok(changes.includes('user10:+-admins'));
      assert.ok(changes.includes('user7:+admins-'));
      assert.ok(changes.includes('user8:+fresh-'));
      const bySub = (n: number) =>
        replica.getUserBySub(`00000000-0000-4000-8000-${String(n).padStart(12, '0')}`, POOL_ID);
      assert.equal((await bySub(1))?.email, 'changed1@example.com');
      assert.equal((await bySub(2))?.enabled, false);
      assert.notEqual((await bySub(4))?.deletedAt, null);
      assert.deepEqual(await replica.getUserGroups((await bySub(4))?.id as number), []);
      assert.deepEqual(await replica.getUserGroups((await bySub(10))?.id as number), ['readers']);
      assert.equal(
        (await replica.listGroups(POOL_ID)).some((g) => g.name === 'doomed'),
        false,
      );
      assert.equal((await replica.listUsersInGroup('fresh', { poolId: POOL_ID })).length, 1);
      // And a disabled replica user is refused at the next request.
      emu.state.setEnabled(pool, user(2), true);
      const again = await syncPool({ replica, userPoolId: POOL_ID, client, sleep });
      assert.equal(again.enabled, 1);
    });

    test('throttling and empty pages are answered by backoff and paging on', async () => {
      sleeps.length = 0;
      emu.faults.adminThrottle = 4;
      emu.faults.emptyPages = true;
      try {
        const report = await syncPool({ db, userPoolId: POOL_ID, client, sleep, random: () => 0.5 });
        assert.equal(report.retries, 4);
        assert.deepEqual(sleeps, [75, 150, 300, 600]);
        assert.equal(report.usersSeen, USERS - 1);
        assert.equal(report.deleted, 0);
      } finally {
        emu.faults.emptyPages = false;
        emu.faults.adminThrottle = 0;
      }
      // Retries exhausted: SYNC_FAILED, nothing swept.
      emu.faults.adminThrottle = 100;
      try {
        await assert.rejects(syncPool({ db, userPoolId: POOL_ID, client, sleep, maxRetries: 2 }), {
          code: 'SYNC_FAILED',
        });
      } finally {
        emu.faults.adminThrottle = 0;
      }
      assert.equal(
        Number(
          (
            await db
              .selectFrom('cognito_users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('deleted_at', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        ),
        USERS - 1,
      );
    });

    test('changed users are written in multi-row upserts, not one statement each', async () => {
      const pool = emu.state.pool(POOL_ID);
      for (let i = 1000; i < 2200; i++)
        emu.state.updateAttributes(pool, emu.state.getUser(pool, `user${i}`), { 'custom:n': `x${i}` });
      const counter = new StatementCounter();
      const report = await syncPool({ db: db.withPlugin(counter), userPoolId: POOL_ID, client, sleep });
      assert.equal(report.updated, 1200);
      assert.equal(report.deleted + report.created, 0);
      // Per batch of 1,000 users: one upsert per 500 changed, one seen-mark per 500 unchanged.
      assert.ok(
        counter.writes <= 2 * Math.ceil(USERS / 1000) + Math.ceil(USERS / 500),
        `writes: ${counter.writes}`,
      );
      const u = await createReplica({ db }).getUserBySub('00000000-0000-4000-8000-000000001500', POOL_ID);
      assert.equal(u?.attributes['custom:n'], 'x1500');
      assert.equal(u?.email, 'User1500@Example.com');
    });

    // Last: it deletes most of the emulator's pool.
    test('a run that would delete most known users refuses, dry run too, unless allowed', async () => {
      const pool = emu.state.pool(POOL_ID);
      const live = async () =>
        Number(
          (
            await db
              .selectFrom('cognito_users')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('deleted_at', 'is', null)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const known = await live();
      // A wrong-looking (but complete) ListUsers answer: 2500 of the known users are missing.
      for (let i = 100; i < 2600; i++) emu.state.deleteUser(pool, emu.state.getUser(pool, `user${i}`));
      emu.state.updateAttributes(pool, emu.state.getUser(pool, 'user1'), { email: 'seen@example.com' });
      const refusal = (err: unknown) => {
        const e = err as { code?: string; message?: string; details?: Record<string, unknown> };
        assert.equal(e.code, 'SYNC_FAILED');
        assert.match(e.message ?? '', new RegExp(`refused to delete 2500 of ${known} known users`));
        assert.match(e.message ?? '', /--allow-mass-delete/);
        assert.deepEqual(e.details, { toDelete: 2500, known, usersSeen: known - 2500, maxDeleteRatio: 0.5 });
        return true;
      };
      const counter = new StatementCounter();
      await assert.rejects(
        syncPool({ db: db.withPlugin(counter), userPoolId: POOL_ID, client, sleep, dryRun: true }),
        refusal,
      );
      assert.equal(counter.writes, 0);
      let deletedHooks = 0;
      const replica = createReplica({ db, hooks: { userDeleted: () => void deletedHooks++ } });
      await assert.rejects(syncPool({ replica, userPoolId: POOL_ID, client, sleep }), refusal);
      // Nothing swept, no hook fired; the seen users' changes were applied (they are true).
      assert.equal(await live(), known);
      assert.equal(deletedHooks, 0);
      const sub1 = '00000000-0000-4000-8000-000000000001';
      assert.equal((await replica.getUserBySub(sub1, POOL_ID))?.email, 'seen@example.com');
      // A higher limit lets the dry run through; the operator's confirmation lets the run through.
      const dry = await syncPool({
        db,
        userPoolId: POOL_ID,
        client,
        sleep,
        dryRun: true,
        maxDeleteRatio: 0.9,
      });
      assert.equal(dry.deleted, 2500);
      assert.equal(await live(), known);
      const report = await syncPool({ replica, userPoolId: POOL_ID, client, sleep, allowMassDelete: true });
      assert.equal(report.deleted, 2500);
      assert.equal(deletedHooks, 2500);
      assert.equal(await live(), known - 2500);
      await assert.rejects(syncPool({ db, userPoolId: POOL_ID, client, maxDeleteRatio: 2 }), {
        code: 'CONFIG_INVALID',
      });
    });

    // After the mass delete: users 100 to 2599 are soft-deleted rows.
    test('the store reads ids by sub, and keyset pages of live users only', async () => {
      const store = createKyselySyncStore(db);
      const subOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const found = await store.idsBySubs(POOL_ID, [subOf(1), subOf(150), 'unknown']);
      assert.equal(found.length, 2);
      assert.equal(found.filter((r) => r.deletedAt === null).length, 1);
      assert.equal(
        (await store.idsBySubs('eu-west-1_OtherPool', [subOf(1)])).length,
        0,
        'another pool is not read',
      );
      const live: { id: number; sub: string }[] = [];
      for (let after = 0; ; ) {
        const page = await store.liveUserIds(POOL_ID, after, 170);
        if (page.length === 0) break;
        assert.ok(page.length <= 170);
        live.push(...page);
        after = page.at(-1)?.id as number;
      }
      // user4 and user5 were deleted earlier, newcomer created.
      assert.equal(live.length, USERS - 2500 - 2 + 1);
      assert.ok(live.every((r, i) => i === 0 || r.id > (live[i - 1] as { id: number }).id));
      const subs = new Set(live.map((r) => r.sub));
      assert.ok(subs.has(subOf(1)) && subs.has('00000000-0000-4000-8000-000000002999'));
      assert.ok(!subs.has(subOf(150)) && !subs.has(subOf(2599)));
    });

    /** The suite's client, running `atLastUsersPage` once the last ListUsers page is answered. */
    const duringListing = (atLastUsersPage: () => Promise<void>) => ({
      async send(command: { constructor: { name: string } }) {
        const out = await client.send(command as never);
        if (
          command.constructor.name === 'ListUsersCommand' &&
          !(out as { PaginationToken?: string }).PaginationToken
        )
          await atLastUsersPage();
        return out;
      },
    });

    test('a user whose first login comes while a run lists the pool is not swept by that run', async () => {
      const replica = createReplica({ db });
      const sub = '00000000-0000-4000-8000-00000000abcd';
      const report = await syncPool({
        replica,
        userPoolId: POOL_ID,
        sleep,
        // Signed up after the listing passed its page: the run never lists the user.
        client: duringListing(async () => {
          await replica.syncFromPrincipal(
            {
              ...principal({ sub, username: 'latecomer' }),
              userPoolId: POOL_ID,
              issuer: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL_ID}`,
            },
            'login',
          );
        }),
      });
      assert.equal(report.deleted, 0);
      const user = await replica.getUserBySub(sub, POOL_ID);
      assert.equal(user?.deletedAt, null, 'still live: the next run decides');
    });

    test('a run does not sweep users that a run started after it has seen (overlapping runs)', async () => {
      const store = createKyselySyncStore(db);
      const subOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const marked = [2990, 2991, 2992].map(subOf);
      const report = await syncPool({
        db,
        userPoolId: POOL_ID,
        sleep,
        // A run started after this one lists them again while this one is still running.
        client: duringListing(async () => {
          const later = syncRunId(Date.now());
          await store.writeUsers(POOL_ID, later, { inserts: [], updates: [], unchanged: marked }, Date.now());
        }),
      });
      for (const found of await store.idsBySubs(POOL_ID, marked)) assert.equal(found.deletedAt, null);
      // Only the user of the test before, whom this run found in neither Cognito nor its listing.
      assert.equal(report.deleted, 1);
      const [latecomer] = await store.idsBySubs(POOL_ID, ['00000000-0000-4000-8000-00000000abcd']);
      assert.notEqual(latecomer?.deletedAt, null, 'swept by the run after its first login');
      // An earlier run's mark never replaces a later one's.
      const earlier = syncRunId(1);
      const [before] = await store.findBySubs(POOL_ID, [marked[0] as string]);
      await store.writeUsers(
        POOL_ID,
        earlier,
        { inserts: [], updates: [], unchanged: [marked[0] as string] },
        1,
      );
      const [after] = await store.findBySubs(POOL_ID, [marked[0] as string]);
      assert.equal(after?.seenRun, before?.seenRun);
      assert.notEqual(after?.seenRun, earlier);
      // Nor does an earlier run's upsert of the row (a changed user), on every dialect's upsert.
      const fields = userFields({
        username: 'user2990',
        attributes: { email: 'late@example.com' },
        status: 'CONFIRMED',
        enabled: true,
      });
      await store.writeUsers(
        POOL_ID,
        earlier,
        { inserts: [{ sub: marked[0] as string, fields }], updates: [], unchanged: [] },
        1,
      );
      const [upserted] = await store.findBySubs(POOL_ID, [marked[0] as string]);
      assert.equal(upserted?.user.email, 'late@example.com', 'the fields are written');
      assert.equal(upserted?.seenRun, before?.seenRun, 'the later mark stays');
    });

    test('the store tells which run last saw a user (a repeat further back than one batch is skipped by it)', async () => {
      const store = createKyselySyncStore(db);
      const subOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
      const [before] = await store.findBySubs(POOL_ID, [subOf(1)]);
      assert.equal(typeof before?.seenRun, 'string', 'the last run that listed the user');
      const run = syncRunId(Date.now());
      assert.notEqual(before?.seenRun, run);
      await store.writeUsers(POOL_ID, run, { inserts: [], updates: [], unchanged: [subOf(1)] }, 1);
      const [after] = await store.findBySubs(POOL_ID, [subOf(1)]);
      assert.equal(after?.seenRun, run);
    });
  });
}
