/**
 * The users pass writes one batch while it reads and diffs the next (sync-users.ts): with a
 * store whose writes take a macrotask, the next batch's read starts before the
 * previous write ends, never two writes at once, and a failed write fails the run before the
 * sweep, with nothing written after it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcilePool } from '../../../src/sync/sync.ts';
import type { SyncStore } from '../../../src/sync/sync-store.ts';

const POOL = 'eu-west-1_Pipeline';
const PAGE = 60;

/** An admin API double: `pages` ListUsers pages of 60 users, no groups (no command middleware). */
function client(pages: number) {
  return {
    async send(command: { constructor: { name: string }; input: { PaginationToken?: string } }) {
      if (command.constructor.name === 'ListUsersCommand') {
        const page = Number(command.input.PaginationToken ?? 0);
        const Users = Array.from({ length: PAGE }, (_, i) => ({
          Username: `u${page}-${i}`,
          Attributes: [{ Name: 'sub', Value: `sub-${page}-${i}` }],
          UserStatus: 'CONFIRMED',
          Enabled: true,
        }));
        return { Users, ...(page + 1 < pages ? { PaginationToken: String(page + 1) } : {}) };
      }
      if (command.constructor.name === 'ListGroupsCommand') return { Groups: [] };
      throw new Error(`unexpected ${command.constructor.name}`);
    },
  };
}

function store(log: string[], write: (batch: number) => Promise<void>): SyncStore {
  let finds = 0;
  let writes = 0;
  const unexpected = async () => {
    throw new Error('unexpected store call');
  };
  return {
    async findBySubs() {
      log.push(`find ${++finds}`);
      return [];
    },
    async writeUsers() {
      const n = ++writes;
      log.push(`write ${n}`);
      await write(n);
      log.push(`written ${n}`);
    },
    refreshStatistics: async () => {},
    async countUnseenUsers() {
      log.push('count');
      return 0;
    },
    async unseenUsers() {
      log.push('sweep');
      return [];
    },
    listGroups: async () => [],
    findById: unexpected,
    softDeleteUsers: unexpected,
    deleteGroup: unexpected,
    saveGroup: unexpected,
    idsBySubs: unexpected,
    liveUserIds: unexpected,
    memberIds: unexpected,
    changeMembers: unexpected,
  };
}

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
