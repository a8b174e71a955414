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

/** A ListUsers double serving `pages` of users (each named by its sub, with an email if given), and no groups. */
function userPages(pages: readonly (readonly (string | { sub: string; email: string })[])[]) {
  return {
    async send(command: { constructor: { name: string }; input: { PaginationToken?: string } }) {
      if (command.constructor.name === 'ListGroupsCommand') return { Groups: [] };
      const page = Number(command.input.PaginationToken ?? 0);
      const Users = (pages[page] ?? []).map((u) => {
        const { sub, email } = typeof u === 'string' ? { sub: u, email: undefined } : u;
        const Attributes = [{ Name: 'sub', Value: sub }];
        if (email !== undefined) Attributes.push({ Name: 'email', Value: email });
        return { Username: sub, Attributes, UserStatus: 'CONFIRMED', Enabled: true };
      });
      return { Users, ...(page + 1 < pages.length ? { PaginationToken: String(page + 1) } : {}) };
    },
  };
}

/**
 * The memberships pass over `pages` pages of 60 new members of group `g`, where ListUsersInGroup's
 * page `at` lists page `from`'s members again: what was added, in how many writes, and the report.
 */
async function relistedMembers(pages: number, at: number, from: number) {
  const listing = client(pages, []);
  const repeating = {
    async send(command: Parameters<typeof listing.send>[0]) {
      if (command.constructor.name !== 'ListUsersInGroupCommand' || command.input.NextToken !== String(at))
        return listing.send(command);
      const earlier = Object.assign(Object.create(Object.getPrototypeOf(command)), command, {
        input: { ...command.input, NextToken: String(from) },
      });
      return { ...(await listing.send(earlier)), NextToken: String(at + 1) };
    },
  };
  const added: number[] = [];
  let writes = 0;
  const s = memberStore(async (_group, ids) => {
    writes++;
    added.push(...ids);
  }, pages);
  const report = await reconcilePool({ userPoolId: POOL, client: repeating, batchSize: PAGE }, s);
  return { added, writes, report };
}

test('a user listed twice, in one batch or in the next while the first is written, is planned once', async () => {
  // Page 0 lists sub-a twice; page 1 lists sub-b again while page 0's write is in flight, and
  // the lookup, which ran before that write, still does not find it.
  const pages = [
    ['sub-a', 'sub-b', 'sub-a'],
    ['sub-c', 'sub-b'],
  ];
  const listing = userPages(pages);
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

test('a user listed again two or more batches later is planned once', async () => {
  // sub-a is listed on page 0 and again on page 2: by then its first write has ended, so the
  // lookup finds the row this run wrote.
  const pages = [
    ['sub-a', 'sub-b'],
    ['sub-c', 'sub-d'],
    ['sub-e', 'sub-a'],
  ];
  const listing = userPages(pages);
  const written = new Map<string, { runId: string; fingerprint: string }>();
  const writes: string[] = [];
  const s: SyncStore = {
    ...store([], async () => {}),
    async writeUsers(_pool, runId, batch) {
      for (const { sub, fields } of [...batch.inserts, ...batch.updates]) {
        written.set(sub, { runId, fingerprint: fields.fingerprint });
        writes.push(sub);
      }
      // As the store does: an unchanged user is marked seen by the run.
      for (const sub of batch.unchanged) (written.get(sub) as { runId: string }).runId = runId;
    },
    async findBySubs(_pool, subs) {
      return subs.flatMap((sub, i) => {
        const row = written.get(sub);
        const user = { id: i + 1, sub, enabled: true, deletedAt: null } as never;
        return row ? [{ user, fingerprint: row.fingerprint, seenRun: row.runId }] : [];
      });
    },
  };
  const report = await reconcilePool({ userPoolId: POOL, client: listing, batchSize: 2 }, s);
  assert.equal(report.created, 5);
  assert.equal(report.unchanged, 0);
  assert.equal(report.updated, 0);
  assert.equal(report.enabled, 0);
  assert.deepEqual(writes.sort(), ['sub-a', 'sub-b', 'sub-c', 'sub-d', 'sub-e']);
  // A row another run marked is this run's to plan: found unchanged, counted once.
  for (const row of written.values()) row.runId = 'an-earlier-run';
  writes.length = 0;
  const again = await reconcilePool({ userPoolId: POOL, client: listing, batchSize: 2 }, s);
  assert.equal(again.unchanged, 5);
  assert.equal(again.created, 0);
  // Listed again with other attributes (changed in Cognito between the two pages): the later
  // listing is written, as an update.
  written.clear();
  writes.length = 0;
  const changed = await reconcilePool(
    {
      userPoolId: POOL,
      client: userPages([
        ['sub-a', 'sub-b'],
        ['sub-c', 'sub-d'],
        ['sub-e', { sub: 'sub-a', email: 'a@example.com' }],
      ]),
      batchSize: 2,
    },
    s,
  );
  assert.equal(changed.created, 5);
  assert.equal(changed.updated, 1);
  assert.deepEqual(writes, ['sub-a', 'sub-b', 'sub-c', 'sub-d', 'sub-e', 'sub-a']);
});

test('a member listed again in the chunk after the one holding it is added once', async () => {
  // Page 95 (the second chunk) lists page 85's members (the first chunk) again.
  const { added, report } = await relistedMembers(100, 95, 85);
  assert.equal(added.length, 6000 - PAGE);
  assert.equal(new Set(added).size, added.length);
  assert.equal(report.membershipsAdded, 6000 - PAGE);
});

test('a member listed again two or more chunks after the one holding it is added once', async () => {
  // 200 pages of 60 new members: chunks of 5,000 end after pages 83 and 167. Page 195 (the third
  // chunk) lists page 5's members (the first chunk) again.
  const { added, writes, report } = await relistedMembers(200, 195, 5);
  assert.ok(writes >= 3, 'three chunks or more were written');
  assert.equal(new Set(added).size, added.length);
  assert.equal(added.length, 200 * PAGE - PAGE);
  assert.equal(report.membershipsAdded, 200 * PAGE - PAGE);
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
