/**
 * End to end: the emulator's admin changes, delivered as signed trigger events to the app's
 * webhook route, keep the replica equal to the emulator's users and groups; a sync then finds
 * nothing left to do.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { start } from 'cognito-code-grant-emulator';
import { createReplica, type KyselyReplica } from '../../src/store/kysely/replica.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { migrate } from '../../src/store/kysely/migrations/index.ts';
import { syncPool } from '../../src/sync/index.ts';
import { sqliteFactory, type TestDb } from './helpers.ts';

const POOL_ID = 'eu-west-1_HookPool1';
const SECRET = 'emulator-webhook-secret-0123456789';
let env: TestDb;
let server: Server;
let emu: Awaited<ReturnType<typeof start>>;
let replica: KyselyReplica;
const statuses: number[] = [];

before(async () => {
  env = await sqliteFactory()();
  await migrate(env.db);
  replica = createReplica({ db: env.db, poolId: POOL_ID });
  const route = createCognitoEventsRoute({ replica, secrets: [SECRET] });
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const response = await route.handle(
      new Request(`http://127.0.0.1${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) }),
    );
    statuses.push(response.status);
    res.writeHead(response.status, { 'content-type': 'application/json' }).end(await response.text());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth/cognito-events`;
  emu = await start({
    port: 0,
    seed: { pools: [{ userPoolId: POOL_ID, clients: [], groups: [{ groupName: 'staff' }], users: [] }] },
    webhook: { url, secret: SECRET },
    log: () => {},
  } as never);
});
after(async () => {
  await emu?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await env?.close();
});

test('admin changes in the emulator reach the replica through signed trigger events', async () => {
  const pool = emu.state.pool(POOL_ID);
  const a = emu.state.adminCreateUser(
    pool,
    'alice',
    { email: 'Alice@Example.com', email_verified: 'true' },
    undefined,
  );
  const b = emu.state.adminCreateUser(pool, 'bob', { email: 'bob@example.com' }, undefined);
  emu.state.addToGroup(pool, a, emu.state.getGroup(pool, 'staff'));
  emu.state.createGroup(pool, 'ops', { description: 'Operations', precedence: 2 });
  emu.state.addToGroup(pool, b, emu.state.getGroup(pool, 'ops'));
  emu.state.updateAttributes(pool, a, { email: 'alice@new.example' });
  emu.state.setEnabled(pool, b, false);
  emu.state.removeFromGroup(pool, a, emu.state.getGroup(pool, 'staff'));
  emu.state.addToGroup(pool, a, emu.state.getGroup(pool, 'ops'));
  await emu.flushWebhooks();
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `statuses ${statuses}`);

  const alice = await replica.getUserBySub(a.sub);
  assert.equal(alice?.email, 'alice@new.example');
  assert.equal(alice?.username, 'alice');
  assert.deepEqual(await replica.getUserGroups(alice?.id as number), ['ops']);
  const bob = await replica.getUserBySub(b.sub);
  assert.equal(bob?.enabled, false);
  assert.deepEqual(await replica.getUserGroups(bob?.id as number), ['ops']);
  const ops = (await replica.listGroups()).find((g) => g.name === 'ops');
  assert.equal(ops?.description, 'Operations');

  emu.state.deleteUser(pool, b);
  await emu.flushWebhooks();
  assert.notEqual((await replica.getUserBySub(b.sub))?.deletedAt, null);

  // Nothing left for the sync to fix, apart from the group the seed created without an event.
  const client = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    endpoint: emu.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: 1,
  });
  try {
    const report = await syncPool({ replica, userPoolId: POOL_ID, client });
    assert.equal(
      report.created + report.updated + report.disabled + report.deleted,
      0,
      JSON.stringify(report),
    );
    assert.equal(report.membershipsAdded + report.membershipsRemoved, 0, JSON.stringify(report));
  } finally {
    client.destroy();
  }
});
