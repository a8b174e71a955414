/**
 * A user or member listed twice (Cognito documents no repeats in one chain; a page boundary
 * moving under concurrent changes could still give one) is planned, counted and announced once,
 * and a group listed twice is synced once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconcilePool } from '../../../src/sync/sync.ts';
import type { SyncStore } from '../../../src/sync/sync-store.ts';
import { client, memberStore, PAGE, POOL, store } from './doubles.ts';

test('a user listed twice, in one batch or in the next while the first is written, is planned once', async () => {
  // Page 0 lists sub-a twice; page 1 lists sub-b again while page 0's write is in flight, and
  // the lookup, which ran before that write, still does not find it.
  const pages = [
    ['sub-a', 'sub-b', 'sub-a'],
    ['sub-c', 'sub-b'],
  ];
  const listing = {
    async send(command: { constructor: { name: string }; input: { PaginationToken?: string } }) {
      if (command.constructor.name === 'ListGroupsCommand') return { Groups: [] };
      const page = Number(command.input.PaginationToken ?? 0);
      const Users = (pages[page] as string[]).map((sub) => ({
        Username: sub,
        Attributes: [{ Name: 'sub', Value: sub }],
        UserStatus: 'CONFIRMED',
        Enabled: true,
      }));
      return { Users, ...(page + 1 < pages.length ? { PaginationToken: String(page + 1) } : {}) };
    },
  };
  const inserted: string[] = [];
  const created: string[] = [];
  const s: SyncStore = {
    ...store([], async () => {}),
    async writeUsers(_pool, _run, batch) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      inserted.push(...batch.inserts.map((r) => r.sub));
    },
    async findBySubs(_pool, subs) {
      // Finds only what was written (none before the first write ends).
      return subs
        .filter((sub) => inserted.includes(sub))
        .map((sub, i) => ({ user: { id: i + 1, sub } as never, fingerprint: 'x' }));
    },
  };
  const report = await reconcilePool(
    {
      userPoolId: POOL,
      client: listing,
      batchSize: 3,
      // The replica's hooks: only userCreated is listened to.
      replica: {
        clearCache: () => {},
        events: {
          has: (name: string) => name === 'userCreated',
          userCreated: async (user: { sub: unknown }) => void created.push(user.sub as string),
        },
      } as never,
    },
    s,
  );
  assert.equal(report.created, 3);
  assert.deepEqual(inserted.sort(), ['sub-a', 'sub-b', 'sub-c']);
  assert.deepEqual(created.sort(), ['sub-a', 'sub-b', 'sub-c']);
  // A dry run (nothing written, every batch looked up against the same replica) counts them once.
  inserted.length = 0;
  const dry = await reconcilePool({ userPoolId: POOL, client: listing, batchSize: 3, dryRun: true }, s);
  assert.equal(dry.created, 3);
});

test('a member listed again in the chunk after the one holding it is added once', async () => {
  const listing = client(100, []);
  // Page 95 (the second chunk) lists page 85's members (the first chunk) again.
  const repeating = {
    async send(command: Parameters<typeof listing.send>[0]) {
      if (command.constructor.name !== 'ListUsersInGroupCommand' || command.input.NextToken !== '95')
        return listing.send(command);
      const page85 = Object.assign(Object.create(Object.getPrototypeOf(command)), command, {
        input: { ...command.input, NextToken: '85' },
      });
      return { ...(await listing.send(page85)), NextToken: '96' };
    },
  };
  const added: number[] = [];
  const s = memberStore(async (_group, ids) => {
    added.push(...ids);
  });
  const report = await reconcilePool({ userPoolId: POOL, client: repeating, batchSize: PAGE }, s);
  assert.equal(added.length, 6000 - PAGE);
  assert.equal(new Set(added).size, added.length);
  assert.equal(report.membershipsAdded, 6000 - PAGE);
});

test('a group listed twice is saved and synced once', async () => {
  const listing = client(2, []);
  const twice = {
    async send(command: Parameters<typeof listing.send>[0]) {
      if (command.constructor.name !== 'ListGroupsCommand') return listing.send(command);
      return { Groups: [{ GroupName: 'g' }, { GroupName: 'g' }] };
    },
  };
  let saves = 0;
  const added: number[] = [];
  const s: SyncStore = {
    ...memberStore(async (_group, ids) => void added.push(...ids)),
    saveGroup: async () => ++saves,
  };
  const report = await reconcilePool({ userPoolId: POOL, client: twice, batchSize: PAGE }, s);
  assert.equal(saves, 1);
  assert.equal(report.groupsCreated, 1);
  assert.equal(report.membershipsAdded, 2 * PAGE);
  assert.equal(added.length, 2 * PAGE);
});
