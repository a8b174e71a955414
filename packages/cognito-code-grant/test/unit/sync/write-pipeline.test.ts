/**
 * The users pass writes one batch while it reads and diffs the next (sync-users.ts), and the
 * memberships pass writes new members while it lists on (sync-groups.ts): with a
 * store whose writes take a macrotask, the next batch's read starts before the
 * previous write ends, never two writes at once, and a failed write fails the run before the
 * sweep, with nothing written after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcilePool } from '../../../src/sync/sync.ts';
import type { SyncStore } from '../../../src/sync/sync-store.ts';
import { client, memberStore, PAGE, POOL, store } from './doubles.ts';

test('the next batch is read while the previous one is written, one write at a time', async () => {
  const log: string[] = [];
  let writing = 0;
  let most = 0;
  // A write ends one macrotask later: everything the sync can do meanwhile (it runs on
  // microtasks against these doubles) happens first.
  const s = store(log, async () => {
    most = Math.max(most, ++writing);
    await new Promise<void>((resolve) => setImmediate(resolve));
    writing--;
  });
  const report = await reconcilePool({ userPoolId: POOL, client: client(3), batchSize: PAGE }, s);
  assert.equal(report.created, 3 * PAGE);
  assert.equal(most, 1);
  const at = (entry: string) => log.indexOf(entry);
  assert.ok(at('find 2') < at('written 1'), log.join(', '));
  assert.ok(at('find 3') < at('written 2'), log.join(', '));
  // The sweep starts only after the last batch is written.
  assert.ok(at('written 3') < log.lastIndexOf('count'), log.join(', '));
});

test('a failed write fails the run before the sweep; no batch is written after it', async () => {
  const log: string[] = [];
  const s = store(log, async (n) => {
    if (n === 1) throw new Error('disk full');
  });
  await assert.rejects(
    reconcilePool({ userPoolId: POOL, client: client(4), batchSize: PAGE }, s),
    (e: unknown) => {
      const err = e as { code?: string; cause?: { message?: string } };
      assert.equal(err.code, 'SYNC_FAILED');
      assert.equal(err.cause?.message, 'disk full');
      return true;
    },
  );
  assert.deepEqual(
    log.filter((l) => l.startsWith('write')),
    ['write 1'],
  );
  assert.ok(!log.includes('sweep'));
});

test('a failed last write fails the run too', async () => {
  const log: string[] = [];
  const s = store(log, async (n) => {
    if (n === 2) throw new Error('connection lost');
  });
  await assert.rejects(reconcilePool({ userPoolId: POOL, client: client(2), batchSize: PAGE }, s), {
    code: 'SYNC_FAILED',
  });
  assert.ok(!log.includes('sweep'));
});

test('new members are written while the group is listed on, one write at a time', async () => {
  const log: string[] = [];
  let writes = 0;
  let writing = 0;
  let most = 0;
  const s = memberStore(async (_group, added) => {
    const n = ++writes;
    most = Math.max(most, ++writing);
    log.push(`members ${n}: ${added.length}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
    writing--;
    log.push(`membered ${n}`);
  });
  const report = await reconcilePool({ userPoolId: POOL, client: client(100, log), batchSize: PAGE }, s);
  assert.equal(report.membershipsAdded, 6000);
  // Written in chunks of at least 5,000 as the listing goes (then the rest).
  assert.deepEqual(
    log.filter((l) => l.startsWith('members')),
    ['members 1: 5400', 'members 2: 600'],
  );
  assert.equal(most, 1);
  const between = log.slice(log.indexOf('members 1: 5400'), log.indexOf('membered 1'));
  assert.ok(
    between.some((l) => l.startsWith('group page')),
    `the listing went on during the first write: ${between.join(', ')}`,
  );
  // The run ends only once the last write is done.
  assert.equal(log.at(-1), 'membered 2');
});

test('a failed write of new members fails the run', async () => {
  const s = memberStore(async () => {
    throw new Error('deadlock detected');
  });
  await assert.rejects(reconcilePool({ userPoolId: POOL, client: client(100, []), batchSize: PAGE }, s), {
    code: 'SYNC_FAILED',
  });
});

test('a group that fails stops the others; nothing runs on after the run fails', async () => {
  const log: string[] = [];
  const lister = {
    async send(command: {
      constructor: { name: string };
      input: { PaginationToken?: string; NextToken?: string; GroupName?: string };
    }) {
      const name = command.constructor.name;
      if (name === 'ListUsersCommand') return { Users: [] };
      if (name === 'ListGroupsCommand') return { Groups: [{ GroupName: 'bad' }, { GroupName: 'big' }] };
      if (name !== 'ListUsersInGroupCommand') throw new Error(`unexpected ${name}`);
      const page = Number(command.input.NextToken ?? 0);
      const group = command.input.GroupName as string;
      log.push(`${group} page ${page}`);
      // One macrotask per page: the failing group fails while the other is mid-listing.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (group === 'bad' && page === 2) throw Object.assign(new Error('boom'), { name: 'InternalFailure' });
      const Users = Array.from({ length: PAGE }, (_, i) => ({
        Attributes: [{ Name: 'sub', Value: `sub-${group}-${page}-${i}` }],
      }));
      return { Users, ...(page + 1 < 100 ? { NextToken: String(page + 1) } : {}) };
    },
  };
  const s: SyncStore = {
    ...store([], async () => {}),
    saveGroup: async (_pool, group) => (group.name === 'bad' ? 1 : 2),
    memberIds: async () => [],
    idsBySubs: async () => [],
    liveUserIds: async () => [],
    changeMembers: async () => {
      log.push('write');
    },
  };
  await assert.rejects(reconcilePool({ userPoolId: POOL, client: lister, batchSize: PAGE }, s), {
    code: 'SYNC_FAILED',
  });
  const settled = log.length;
  assert.ok(log.filter((l) => l.startsWith('big')).length < 10, log.join(', '));
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal(log.length, settled, 'nothing listed or written after the run failed');
});
