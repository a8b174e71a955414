/**
 * The one replica suite, run against the in-memory UserStore and SQLite always, and PostgreSQL /
 * MariaDB when their TEST_* URLs are set. Every test uses its own subs, so the tests share one
 * store (one migrated database). The SQL backends also run the SQL-only tests (migrations,
 * table prefixes, a group created by another connection mid-transaction).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { dialectInfo } from '../../src/store/kysely/dialect.ts';
import { createForwarder } from '../../src/trigger/lambda-forwarder.ts';
import { createReplica } from '../../src/store/kysely/replica.ts';
import type { GroupsChangedEvent, UserEvent } from '../../src/replica/types.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook } from '../../src/trigger/signature.ts';
import { getMigrations, migrate } from '../../src/store/kysely/migrations/index.ts';
import { ReplicaSql } from '../../src/store/kysely/replica-sql.ts';
import type { BackendFactory, ReplicaBackend } from './backends.ts';
import { count, fakeClock, POOL, principal, type TestDb } from './helpers.ts';

const SECRET = 'test-secret-0123456789abcdef';
const T = {
  users: 'cognito_users',
  groups: 'cognito_groups',
  ug: 'cognito_user_groups',
  ev: 'cognito_webhook_events',
};

export function replicaSuite(name: string, factory: BackendFactory | undefined, skip?: string): void {
  describe(`replica store: ${name}`, { skip: skip ?? false }, () => {
    let b: ReplicaBackend;
    let env: TestDb;
    let db: Kysely<any>;

    before(async () => {
      b = await (factory as BackendFactory)();
      env = b.sql as TestDb;
      db = env?.db;
    });
    after(async () => {
      await b?.close();
    });

    if (factory?.sql) sqlOnlyTests();
    function sqlOnlyTests() {
      test('migrations: concurrent first runs are safe, a second run is a no-op', async () => {
        const others = [await env.open(), await env.open()];
        const results = await Promise.all([migrate(db), ...others.map((d) => migrate(d))]);
        const applied = results.flatMap((r) => r.applied).sort();
        // Every migration once (the list grows: compared with getMigrations, not spelled out).
        const all = Object.keys(getMigrations()).sort();
        assert.ok(all.includes('2026_11_23_0001_replica') && all.includes('2026_11_23_0002_sessions'));
        assert.deepEqual(applied, all);
        const again = await migrate(db);
        assert.deepEqual(again.applied, []);
        assert.equal(await count(db, T.users), 0);
        assert.equal(await count(db, 'cognito_migrations'), all.length);
      });

      test('the users table keeps the indexes its queries use, and no index on seen_run', async () => {
        const family = dialectInfo(db).family;
        const query =
          family === 'postgres'
            ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${T.users}`
            : family === 'mysql'
              ? sql<{ name: string }>`select distinct index_name as name from information_schema.statistics
                  where table_schema = database() and table_name = ${T.users}`
              : sql<{
                  name: string;
                }>`select name from sqlite_master where type = 'index' and tbl_name = ${T.users}`;
        const names = (await query.execute(db)).rows.map((r) => r.name);
        assert.ok(names.includes(`${T.users}_email_idx`), names.join());
        assert.ok(!names.includes(`${T.users}_seen_idx`), names.join());
      });

      test('a group another connection creates during our transaction is found, not dropped', async () => {
        // MySQL's REPEATABLE READ: after our first read, a plain SELECT keeps seeing that snapshot,
        // while the duplicate key makes our own insert of the group a no-op. The membership then
        // had no group id ("Field 'group_id' doesn't have a default value").
        // SQLite has one writing connection: the group is then written inside the transaction.
        const other = env.concurrentWriters ? await env.open() : undefined;
        const store = new ReplicaSql(db);
        const now = Date.now();
        const ids = await db.transaction().execute(async (trx) => {
          await trx.selectFrom(T.groups).select('id').where('pool_id', '=', POOL).execute();
          await (other ?? trx)
            .insertInto(T.groups)
            .values({ pool_id: POOL, name: 'late-group', created_at: now, updated_at: now })
            .execute();
          return store.ensureGroups(trx, POOL, ['late-group'], now);
        });
        const row = await db
          .selectFrom(T.groups)
          .select('id')
          .where('name', '=', 'late-group')
          .executeTakeFirstOrThrow();
        assert.equal(ids.get('late-group'), Number(row.id));
      });

      test('a custom table prefix prefixes every table, the migration tables included', async () => {
        const r = await migrate(db, { tablePrefix: 'app2_' });
        const all = Object.keys(getMigrations('app2_')).length;
        assert.equal(r.applied.length, all);
        assert.equal(await count(db, 'app2_users'), 0);
        assert.equal(await count(db, 'app2_migrations'), all);
        await assert.rejects(migrate(db, { tablePrefix: 'x; drop table y' }), { code: 'CONFIG_INVALID' });
        assert.throws(() => createReplica({ db, poolId: POOL, tablePrefix: 'x; drop table y' }), {
          code: 'CONFIG_INVALID',
        });
        assert.throws(() => createReplica({ db, poolId: POOL, updateOn: 'sometimes' as never }), {
          code: 'CONFIG_INVALID',
          message: /updateOn/,
        });
      });
    }

    test('first login inserts; group add and remove replace the set; hooks run after commit', async () => {
      const clock = fakeClock();
      const seen: string[] = [];
      const replica = b.replica({
        poolId: POOL,
        now: clock.now,
        hooks: {
          async userCreated(e: UserEvent) {
            // After commit: visible through another connection.
            const visible = await b.visibleElsewhere(e.user.id);
            seen.push(`created:${e.user.sub}:${visible ? 'visible' : 'invisible'}`);
          },
          userUpdated(e) {
            seen.push(`updated:${e.previous.email}->${e.user.email}`);
          },
          groupsChanged(e: GroupsChangedEvent) {
            seen.push(`groups:+${e.added.join(',')}-${e.removed.join(',')}`);
          },
        },
      });
      const p1 = principal({
        sub: 'u-1',
        email: 'Jane@Example.com',
        emailVerified: true,
        groups: ['staff', 'admin'],
      });
      const out = await replica.syncFromPrincipal(p1, 'login');
      assert.equal(typeof out.replicaUserId, 'number');
      const user = await replica.getUserBySub('u-1');
      assert.ok(user);
      assert.equal(user.email, 'Jane@Example.com');
      assert.equal(user.emailVerified, true);
      assert.equal(user.username, 'u-1');
      assert.equal(user.lastLoginAt, clock.now());
      assert.deepEqual(await replica.getUserGroups(user.id), ['admin', 'staff']);
      assert.deepEqual(seen, ['created:u-1:visible', 'groups:+admin,staff-']);

      seen.length = 0;
      clock.advance(1000);
      const p2 = principal({
        sub: 'u-1',
        email: 'jane@new.example',
        emailVerified: true,
        groups: ['staff', 'editors'],
      });
      await replica.syncFromPrincipal(p2, 'login');
      assert.deepEqual(await replica.getUserGroups(user.id), ['editors', 'staff']);
      assert.deepEqual(seen, ['updated:Jane@Example.com->jane@new.example', 'groups:+editors-admin']);
      assert.deepEqual(
        (await replica.listUsersInGroup('editors')).map((u) => u.sub),
        ['u-1'],
      );
      assert.deepEqual(
        (await replica.listUsersInGroup('admin')).map((u) => u.sub),
        [],
      );
      // Case-insensitive lookup column.
      assert.equal(await b.emailLowerOf('u-1'), 'jane@new.example');
      // No groups claim at all = no groups.
      await replica.syncFromPrincipal(
        principal({ sub: 'u-1', email: 'jane@new.example', emailVerified: true }),
        'login',
      );
      assert.deepEqual(await replica.getUserGroups(user.id), []);
      assert.deepEqual((await replica.getUserById(user.id))?.sub, 'u-1');
    });

    test('50 concurrent first requests from 50 processes: one row, one userCreated, no errors', async () => {
      const makers = b.concurrentWriters
        ? [b.replica, await b.otherProcess(), await b.otherProcess()]
        : [b.replica];
      let created = 0;
      const replicas = Array.from({ length: 50 }, (_, i) =>
        (makers[i % makers.length] as ReplicaBackend['replica'])({
          updateOn: 'always',
          hooks: {
            userCreated() {
              created++;
            },
          },
        }),
      );
      const p = principal({
        sub: 'race-1',
        email: 'race@example.com',
        emailVerified: true,
        groups: ['g1', 'g2'],
      });
      const outs = await Promise.all(
        replicas.map((r, i) => r.syncFromPrincipal(p, i % 2 ? 'bearer' : 'login')),
      );
      const ids = new Set(outs.map((o) => o.replicaUserId));
      assert.equal(ids.size, 1);
      assert.equal(await b.countUsersWithSub('race-1'), 1);
      assert.equal(created, 1);
      const uid = [...ids][0] as number;
      assert.equal((await replicas[0]!.getUserGroups(uid)).length, 2);
    });

    test('steady state: 1000 repeated requests cost zero writes and zero reads', async () => {
      const clock = fakeClock();
      const { replica, counter } = b.counted({ updateOn: 'always', now: clock.now });
      const p = principal({ sub: 'steady-1', email: 's@example.com', emailVerified: true, groups: ['a'] });
      await replica.syncFromPrincipal(p, 'login');
      counter.reset();
      for (let i = 0; i < 1000; i++) await replica.syncFromPrincipal(p, 'bearer');
      assert.equal(counter.writes, 0);
      assert.equal(counter.reads, 0);
      // An access token (no attributes) does not count as a change either.
      await replica.syncFromPrincipal(
        principal({ sub: 'steady-1', tokenUse: 'access', groups: ['a'] }),
        'bearer',
      );
      assert.equal(counter.writes, 0);
      // After the cache TTL: one read, still no write.
      clock.advance(61_000);
      await replica.syncFromPrincipal(p, 'bearer');
      assert.equal(counter.writes, 0);
      assert.ok(counter.reads >= 1);
      // A real change is written.
      await replica.syncFromPrincipal(
        principal({ sub: 'steady-1', email: 's@example.com', emailVerified: true, groups: ['a', 'b'] }),
        'bearer',
      );
      assert.ok(counter.writes > 0);
      const attrs = (await replica.getUserBySub('steady-1', POOL))?.attributes;
      assert.equal(attrs?.email, 's@example.com');
    });

    test('updateOn login: bearer requests never update an existing user', async () => {
      const replica = b.replica();
      await replica.syncFromPrincipal(principal({ sub: 'lo-1', groups: ['x'] }), 'login');
      replica.clearCache();
      await replica.syncFromPrincipal(principal({ sub: 'lo-1', groups: ['y'] }), 'bearer');
      const u = await replica.getUserBySub('lo-1', POOL);
      assert.deepEqual(await replica.getUserGroups(u?.id as number), ['x']);
      // But a never-seen user is inserted on a bearer request.
      const out = await replica.syncFromPrincipal(principal({ sub: 'lo-2', groups: ['y'] }), 'bearer');
      assert.equal(typeof out.replicaUserId, 'number');
    });

    test('injection-shaped and unicode usernames and group names are stored verbatim', async () => {
      const replica = b.replica({ poolId: POOL });
      const evil = `Robert'); DROP TABLE cognito_users;--`;
      const groups = [
        `x' OR '1'='1`,
        'Straße',
        'STRASSE',
        'straße',
        '管理者',
        'e\u0301',
        'é',
        '😀 group',
        'a"b`c\\d',
      ];
      const username = 'ñandú 😀 \u202e';
      await replica.syncFromPrincipal(principal({ sub: 'inj-1', username, email: evil, groups }), 'login');
      const u = await replica.getUserBySub('inj-1');
      assert.equal(u?.username, username);
      assert.equal(u?.email, evil);
      const stored = await replica.getUserGroups(u?.id as number);
      assert.deepEqual([...stored].sort(), [...groups].sort());
      for (const g of groups)
        assert.deepEqual(
          (await replica.listUsersInGroup(g)).map((x) => x.sub),
          ['inj-1'],
        );
      assert.ok((await b.countUsers()) > 0);
    });

    test('disabled and deleted replica users are refused, and nothing is written', async () => {
      const replica = b.replica({ poolId: POOL, updateOn: 'always' });
      const p = principal({ sub: 'dis-1', groups: ['a'] });
      await replica.syncFromPrincipal(p, 'login');
      await replica.setEnabled(POOL, 'dis-1', false, 'webhook');
      await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), { code: 'USER_DISABLED' });
      const before = await replica.getUserBySub('dis-1');
      await assert.rejects(replica.syncFromPrincipal(principal({ sub: 'dis-1', groups: ['b'] }), 'login'), {
        code: 'USER_DISABLED',
      });
      assert.deepEqual(await replica.getUserGroups(before?.id as number), ['a']);
      // Another process (a second replica) sees it too.
      const second = (await b.otherProcess())();
      await assert.rejects(second.syncFromPrincipal(p, 'bearer'), { code: 'USER_DISABLED' });
      await replica.setEnabled(POOL, 'dis-1', true, 'webhook');
      await replica.syncFromPrincipal(p, 'bearer');
      await replica.deleteUser(POOL, 'dis-1', 'webhook');
      await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), { code: 'USER_DELETED' });
      assert.deepEqual(await replica.getUserGroups(before?.id as number), []);
      // Through the PrincipalHook seam.
      await assert.rejects(async () => replica.hook()(p, { trigger: 'session' }), { code: 'USER_DELETED' });
    });

    test('machine principals are not replicated', async () => {
      const replica = b.replica();
      const before = await b.countUsers();
      const out = await replica.syncFromPrincipal(
        principal({ sub: 'client1', isMachine: true, tokenUse: 'access' }),
        'bearer',
      );
      assert.equal(out.replicaUserId, undefined);
      assert.equal(await b.countUsers(), before);
    });

    test('link by email: opt-in, only when verified, only an unlinked row of the same pool', async () => {
      const legacyId = await b.insertLocalUser(POOL, 'Legacy@Example.com');
      const off = b.replica();
      const a = await off.syncFromPrincipal(
        principal({ sub: 'link-0', email: 'legacy@example.com', emailVerified: true }),
        'login',
      );
      assert.notEqual(a.replicaUserId, legacyId);
      const on = b.replica({ linkByEmail: true });
      const unverified = await on.syncFromPrincipal(
        principal({ sub: 'link-1', email: 'LEGACY@example.com', emailVerified: false }),
        'login',
      );
      assert.notEqual(unverified.replicaUserId, legacyId);
      const c = await on.syncFromPrincipal(
        principal({ sub: 'link-2', email: 'LEGACY@example.com', emailVerified: true }),
        'login',
      );
      assert.equal(c.replicaUserId, legacyId);
      const u = await on.getUserBySub('link-2', POOL);
      assert.equal(u?.email, 'LEGACY@example.com');
    });

    describe('webhook endpoint', () => {
      const clock = fakeClock();
      let n = 0;
      function send(
        route: ReturnType<typeof createCognitoEventsRoute>,
        event: unknown,
        opts: { secret?: string; eventId?: string; at?: number; body?: string } = {},
      ) {
        const body = opts.body ?? JSON.stringify(event);
        const headers = signWebhook(opts.secret ?? SECRET, body, {
          eventId: opts.eventId ?? `ev-${++n}-${Date.now()}`,
          now: () => opts.at ?? clock.now(),
        });
        return route.handle(
          new Request('http://app.test/auth/cognito-events', {
            method: 'POST',
            headers: { ...headers, 'content-type': 'application/json' },
            body,
          }),
        );
      }
      const envelope = (triggerSource: string, request: Record<string, unknown>, userName = 'jdoe') => ({
        version: '1',
        triggerSource,
        region: 'eu-west-1',
        userPoolId: POOL,
        userName,
        callerContext: { awsSdkVersion: 'x', clientId: 'client1' },
        request,
        response: {},
      });
      const attrs = (sub: string, extra: Record<string, string> = {}) => ({
        sub,
        email: `${sub}@example.com`,
        email_verified: 'true',
        'cognito:user_status': 'CONFIRMED',
        ...extra,
      });

      test('each trigger type is applied', async () => {
        const replica = b.replica({ poolId: POOL, now: clock.now });
        const route = createCognitoEventsRoute({
          replica,
          secrets: ['old-secret-0123456789', SECRET],
          now: clock.now,
        });
        let r = await send(
          route,
          envelope('PostConfirmation_ConfirmSignUp', {
            userAttributes: attrs('wh-1', { 'custom:tenant': '42' }),
          }),
        );
        assert.equal(r.status, 200);
        let u = await replica.getUserBySub('wh-1');
        assert.equal(u?.attributes['custom:tenant'], '42');
        assert.equal(u?.emailVerified, true);
        assert.equal(u?.status, 'CONFIRMED');
        assert.equal(u?.username, 'jdoe');
        r = await send(
          route,
          envelope('PostAuthentication_Authentication', {
            userAttributes: attrs('wh-1'),
            newDeviceUsed: false,
          }),
        );
        assert.equal(r.status, 200);
        u = await replica.getUserBySub('wh-1');
        assert.equal(u?.lastLoginAt, clock.now());
        assert.equal(u?.attributes['custom:tenant'], undefined);
        r = await send(
          route,
          envelope('TokenGeneration_HostedAuth', {
            userAttributes: attrs('wh-1'),
            groupConfiguration: {
              groupsToOverride: ['staff', 'ops'],
              iamRolesToOverride: [],
              preferredRole: null,
            },
          }),
        );
        assert.equal(r.status, 200);
        assert.deepEqual(await replica.getUserGroups(u?.id as number), ['ops', 'staff']);
        r = await send(
          route,
          envelope('Emulator_AdminRemoveUserFromGroup', { userAttributes: attrs('wh-1'), groupName: 'ops' }),
        );
        assert.equal(r.status, 200);
        assert.deepEqual(await replica.getUserGroups(u?.id as number), ['staff']);
        r = await send(
          route,
          envelope('Emulator_AdminAddUserToGroup', {
            userAttributes: attrs('wh-1'),
            groupName: 'new',
            groups: ['new', 'staff'],
          }),
        );
        assert.deepEqual(await replica.getUserGroups(u?.id as number), ['new', 'staff']);
        r = await send(
          route,
          envelope('Emulator_AdminUpdateUserAttributes', {
            userAttributes: attrs('wh-1', { email: 'changed@example.com' }),
          }),
        );
        assert.equal((await replica.getUserBySub('wh-1'))?.email, 'changed@example.com');
        r = await send(route, envelope('Emulator_AdminDisableUser', { userAttributes: { sub: 'wh-1' } }));
        assert.equal(r.status, 200);
        assert.equal((await replica.getUserBySub('wh-1'))?.enabled, false);
        r = await send(route, envelope('Emulator_AdminEnableUser', { sub: 'wh-1' }));
        assert.equal((await replica.getUserBySub('wh-1'))?.enabled, true);
        r = await send(
          route,
          envelope('Emulator_CreateGroup', { groupName: 'fresh', description: 'd', precedence: 3 }),
        );
        assert.equal(r.status, 200);
        const g = (await replica.listGroups()).find((x) => x.name === 'fresh');
        assert.equal(g?.precedence, 3);
        r = await send(route, envelope('Emulator_DeleteGroup', { groupName: 'new' }));
        assert.deepEqual(await replica.getUserGroups(u?.id as number), ['staff']);
        r = await send(route, envelope('Emulator_AdminDeleteUser', { userAttributes: { sub: 'wh-1' } }));
        assert.equal(r.status, 200);
        assert.notEqual((await replica.getUserBySub('wh-1'))?.deletedAt, null);
        r = await send(
          route,
          envelope(
            'TokenGeneration_ClientCredentials',
            { userAttributes: {}, groupConfiguration: null },
            'ClientCredentials',
          ),
        );
        assert.deepEqual(await r.json(), { ok: true, ignored: true });
      });

      test('bad signature, stale, oversized and malformed events are refused with nothing written', async () => {
        const replica = b.replica({ poolId: POOL, now: clock.now });
        const route = createCognitoEventsRoute({
          replica,
          secrets: [SECRET],
          now: clock.now,
          maxBodyBytes: 4096,
        });
        const usersBefore = await b.countUsers();
        const eventsBefore = await b.countWebhookEvents();
        const ev = envelope('PostConfirmation_ConfirmSignUp', { userAttributes: attrs('wh-refused') });
        let r = await send(route, ev, { secret: 'wrong-secret-0123456789' });
        assert.equal(r.status, 401);
        assert.equal(((await r.json()) as { error: string }).error, 'WEBHOOK_SIGNATURE_INVALID');
        r = await send(route, ev, { at: clock.now() - 301_000 });
        assert.equal(r.status, 401);
        assert.equal(((await r.json()) as { error: string }).error, 'WEBHOOK_STALE');
        r = await send(route, { ...ev, padding: 'x'.repeat(5000) });
        assert.equal(r.status, 413);
        r = await send(
          route,
          envelope('PostConfirmation_ConfirmSignUp', { userAttributes: { email: 'no-sub@example.com' } }),
        );
        assert.equal(r.status, 400);
        r = await send(route, { ...ev, userPoolId: 'eu-west-1_OtherPool' });
        assert.equal(r.status, 400);
        r = await send(route, null, { body: 'not json' });
        assert.equal(r.status, 400);
        const tampered = JSON.stringify(ev);
        const headers = signWebhook(SECRET, tampered, { eventId: 'tamper-1', now: clock.now });
        r = await route.handle(
          new Request('http://app.test/auth/cognito-events', {
            method: 'POST',
            headers,
            body: tampered.replace('wh-refused', 'wh-other'),
          }),
        );
        assert.equal(r.status, 401);
        assert.equal(await b.countUsers(), usersBefore);
        assert.equal(await b.countWebhookEvents(), eventsBefore);
      });

      test('groups [] -> [admins] -> [] through the forwarder: the removal is applied', async () => {
        const replica = b.replica({ poolId: POOL, now: clock.now });
        const route = createCognitoEventsRoute({ replica, secrets: [SECRET], now: clock.now });
        const statuses: unknown[] = [];
        const forward = createForwarder({
          url: 'http://app.test/auth/cognito-events',
          secret: SECRET,
          now: clock.now,
          log: (l) => statuses.push(l),
          fetch: (async (url: string, init: RequestInit) => {
            const r = await route.handle(new Request(url, init));
            statuses.push(await r.clone().json());
            return r;
          }) as typeof fetch,
        });
        // Identical bodies: Cognito trigger events carry no unique field.
        const token = (groups: string[]) =>
          envelope('TokenGeneration_RefreshTokens', {
            userAttributes: attrs('wh-regrant'),
            groupConfiguration: { groupsToOverride: groups },
          });
        await forward(token([]));
        const u = await replica.getUserBySub('wh-regrant');
        assert.deepEqual(await replica.getUserGroups(u?.id as number), []);
        await forward(token(['admins']));
        assert.deepEqual(await replica.getUserGroups(u?.id as number), ['admins']);
        await forward(token([]));
        assert.deepEqual(await replica.getUserGroups(u?.id as number), []);
        assert.equal(
          statuses.filter((b) => (b as { applied?: string }).applied === 'TokenGeneration_RefreshTokens')
            .length,
          3,
          JSON.stringify(statuses),
        );
        // A captured request re-sent as is (same id, same body) is still not applied again.
        const body = JSON.stringify(token(['admins']));
        const headers = signWebhook(SECRET, body, { eventId: 'captured-1', now: clock.now });
        const resend = () =>
          route.handle(new Request('http://app.test/auth/cognito-events', { method: 'POST', headers, body }));
        assert.equal((await resend()).status, 200);
        await forward(token([]));
        assert.deepEqual(await resend().then((r) => r.json()), { ok: true, duplicate: true });
        assert.deepEqual(await replica.getUserGroups(u?.id as number), []);
      });

      test('without a pool id the route is refused; events of another pool write nothing', async () => {
        const unpinned = b.replica({ now: clock.now });
        assert.throws(
          () => createCognitoEventsRoute({ replica: unpinned, secrets: [SECRET] }),
          (e: unknown) => (e as { code?: string }).code === 'CONFIG_INVALID',
        );
        assert.throws(
          () =>
            createCognitoEventsRoute({
              replica: b.replica({ poolId: POOL }),
              secrets: [SECRET],
              userPoolId: 'eu-west-1_Different1',
            }),
          (e: unknown) => (e as { code?: string }).code === 'CONFIG_INVALID',
        );
        const route = createCognitoEventsRoute({
          replica: unpinned,
          secrets: [SECRET],
          userPoolId: POOL,
          now: clock.now,
        });
        const usersBefore = await b.countUsers();
        const eventsBefore = await b.countWebhookEvents();
        const foreign = {
          ...envelope('PostConfirmation_ConfirmSignUp', { userAttributes: attrs('wh-foreign') }),
          userPoolId: 'eu-west-1_OtherPool',
        };
        const r = await send(route, foreign);
        assert.equal(r.status, 400);
        assert.equal(((await r.json()) as { error: string }).error, 'WEBHOOK_PAYLOAD_INVALID');
        assert.equal(await b.countUsers(), usersBefore);
        assert.equal(await b.countWebhookEvents(), eventsBefore);
        const ok = await send(
          route,
          envelope('PostConfirmation_ConfirmSignUp', { userAttributes: attrs('wh-own') }),
        );
        assert.equal(ok.status, 200);
        assert.equal((await unpinned.getUserBySub('wh-own', POOL))?.sub, 'wh-own');
      });

      test('a duplicate delivery is applied once; the same id with another body is a replay (409)', async () => {
        let created = 0;
        let updated = 0;
        const replica = b.replica({
          poolId: POOL,
          now: clock.now,
          hooks: { userCreated: () => void created++, userUpdated: () => void updated++ },
        });
        const route = createCognitoEventsRoute({ replica, secrets: [SECRET], now: clock.now });
        const ev = envelope('PostConfirmation_ConfirmSignUp', { userAttributes: attrs('wh-dup') });
        const results = await Promise.all([1, 2, 3].map(() => send(route, ev, { eventId: 'dup-event-1' })));
        const bodies = (await Promise.all(results.map((r) => r.json()))) as Record<string, unknown>[];
        assert.deepEqual(
          results.map((r) => r.status),
          [200, 200, 200],
        );
        assert.equal(bodies.filter((b) => b.duplicate === true).length, 2);
        assert.equal(created, 1);
        assert.equal(updated, 0);
        const replay = envelope('PostConfirmation_ConfirmSignUp', {
          userAttributes: attrs('wh-dup', { email: 'evil@example.com' }),
        });
        const r = await send(route, replay, { eventId: 'dup-event-1' });
        assert.equal(r.status, 409);
        assert.equal((await replica.getUserBySub('wh-dup'))?.email, 'wh-dup@example.com');
      });
    });
  });
}
