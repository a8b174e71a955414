import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { start } from 'cognito-code-grant-emulator';
import { type CliIo, main, redactUrl } from '../../src/cli/main.ts';
import { createDatabase } from '../../src/store/kysely/database.ts';
import { count } from '../replica/helpers.ts';

const POOL_ID = 'eu-west-1_CliPool01';
let dir: string;
let emu: Awaited<ReturnType<typeof start>>;

function io(isTTY = false, env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const value: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t), env, isTTY };
  return { io: value, out, err };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccg-cli-'));
  const users = Array.from({ length: 150 }, (_, i) => ({
    username: `cli${i}`,
    attributes: { email: `c${i}@example.com` },
    groups: i % 2 ? ['odd'] : [],
    status: 'CONFIRMED',
  }));
  emu = await start({
    port: 0,
    seed: { pools: [{ userPoolId: POOL_ID, clients: [], groups: [{ groupName: 'odd' }], users }] },
    log: () => {},
  } as never);
});
after(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('usage errors exit 2', async () => {
  assert.equal(await main([], io().io), 2);
  const a = io();
  assert.equal(await main(['frobnicate'], a.io), 2);
  assert.match(a.err.join(''), /unknown command/);
  assert.equal(await main(['migrate'], io().io), 2);
  assert.equal(await main(['sync', '--database-url', 'sqlite::memory:'], io().io), 2);
  assert.equal(await main(['migrate', '--bogus-flag'], io().io), 2);
});

test('migrate, then sync (dry run, then real) from DATABASE_URL and COGNITO_USER_POOL_ID', async () => {
  const url = `sqlite:${join(dir, 'cli.db')}`;
  const env = { DATABASE_URL: url, COGNITO_USER_POOL_ID: POOL_ID };
  const m = io(false, env);
  assert.equal(await main(['migrate'], m.io), 0);
  assert.match(m.out.join(''), /applied 2026_11_23_0001_replica/);
  const dry = io(false, env);
  assert.equal(await main(['sync', '--endpoint', emu.url, '--dry-run'], dry.io), 0);
  assert.match(dry.out.join(''), /dry run: nothing written/);
  assert.match(dry.out.join(''), /created\s+150/);
  const db = await createDatabase(url);
  try {
    assert.equal(await count(db, 'cognito_users'), 0);
    const real = io(true, env);
    assert.equal(await main(['sync', '--endpoint', emu.url], real.io), 0);
    const text = real.out.join('');
    assert.match(text, /\r. users/); // progress bar on a terminal
    // With the pool's size (DescribeUserPool's EstimatedNumberOfUsers): a total and a percentage.
    assert.match(text, /users +\d+\/150 \d+%/);
    assert.match(text, /done +users 150\/150 100%/);
    assert.match(text, /memberships added\s+75/);
    assert.equal(await count(db, 'cognito_users'), 150);
  } finally {
    await db.destroy();
  }
});

test('a sync that would delete most users exits 1 naming --allow-mass-delete; the flag proceeds', async () => {
  const url = `sqlite:${join(dir, 'mass.db')}`;
  const args = ['sync', '--database-url', url, '--user-pool-id', POOL_ID, '--endpoint', emu.url];
  assert.equal(await main(args, io().io), 0);
  const pool = emu.state.pool(POOL_ID);
  for (let i = 0; i < 100; i++) emu.state.deleteUser(pool, emu.state.getUser(pool, `cli${i}`));
  const refused = io();
  assert.equal(await main(args, refused.io), 1);
  assert.match(refused.err.join(''), /SYNC_FAILED: sync refused to delete 100 of 150 known users/);
  assert.match(refused.err.join(''), /--allow-mass-delete/);
  const db = await createDatabase(url);
  try {
    const live = () =>
      db
        .selectFrom('cognito_users')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow()
        .then((r) => Number(r.n));
    assert.equal(await live(), 150);
    assert.equal(await main([...args, '--max-delete-ratio', 'x'], io().io), 2);
    const dry = io();
    assert.equal(await main([...args, '--max-delete-ratio', '0.7', '--dry-run'], dry.io), 0);
    assert.match(dry.out.join(''), /deleted\s+100/);
    const allowed = io();
    assert.equal(await main([...args, '--allow-mass-delete'], allowed.io), 0);
    assert.match(allowed.out.join(''), /deleted\s+100/);
    assert.equal(await live(), 50);
  } finally {
    await db.destroy();
  }
});

test('a failing sync exits 1 with a message and no secret', async () => {
  const r = io(false, { AWS_SECRET_ACCESS_KEY: 'super-secret-value' });
  const code = await main(
    [
      'sync',
      '--database-url',
      `sqlite:${join(dir, 'x.db')}`,
      '--user-pool-id',
      POOL_ID,
      '--endpoint',
      'http://127.0.0.1:1',
    ],
    r.io,
  );
  assert.equal(code, 1);
  assert.match(r.err.join(''), /SYNC_FAILED/);
  assert.ok(!r.err.join('').includes('super-secret-value'));
  assert.equal(redactUrl('postgres://u:pw@h/db'), 'postgres://u:***@h/db');
});
