/**
 * memberIds (sync/member-ids.ts): member subs are looked up in the store until the lookups pass
 * an eighth of the users the run saw; then the live users are read once, in keyset pages, and
 * the rest is answered from memory. Unknown and deleted users are skipped either way.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { memberIds } from '../../../src/sync/member-ids.ts';
import type { SyncStore } from '../../../src/sync/sync-store.ts';

const sub = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

/** Users 1..n, the ids given in `deleted` soft-deleted; records the calls the resolver makes. */
function fakeStore(n: number, deleted: ReadonlySet<number> = new Set()) {
  const calls = { idsBySubs: 0, liveUserIds: 0 };
  const rows = Array.from({ length: n }, (_, i) => ({ id: i + 1, sub: sub(i + 1) }));
  const store = {
    async idsBySubs(_pool: string, subs: readonly string[]) {
      calls.idsBySubs++;
      return rows
        .filter((r) => subs.includes(r.sub))
        .map((r) => ({ id: r.id, deletedAt: deleted.has(r.id) ? 1 : null }));
    },
    async liveUserIds(_pool: string, afterId: number, limit: number) {
      calls.liveUserIds++;
      return rows.filter((r) => r.id > afterId && !deleted.has(r.id)).slice(0, limit);
    },
  } as unknown as SyncStore;
  return { store, calls };
}

test('small groups are looked up and the pool is never read whole', async () => {
  const { store, calls } = fakeStore(8000);
  const ids = memberIds(store, 'eu-west-1_P', 8000);
  assert.deepEqual(await ids.resolve([sub(3), sub(7), 'unknown']), [3, 7]);
  assert.deepEqual(await ids.resolve([sub(8000)]), [8000]);
  assert.deepEqual(calls, { idsBySubs: 2, liveUserIds: 0 });
});

test('past an eighth of the users, the live users are read once and answer the rest', async () => {
  const deleted = new Set([12_000, 600]);
  const { store, calls } = fakeStore(16_000, deleted);
  const ids = memberIds(store, 'eu-west-1_P', 16_000);
  const batch = (from: number) => Array.from({ length: 500 }, (_, i) => sub(from + i));
  // 2,000 = an eighth of 16,000: four batches of 500 are looked up.
  for (let from = 1; from <= 2000; from += 500) await ids.resolve(batch(from));
  assert.deepEqual(calls, { idsBySubs: 4, liveUserIds: 0 });
  // The next ones come from memory, concurrent batches sharing one read (4 pages of 5,000).
  const results = await Promise.all([ids.resolve(batch(10_001)), ids.resolve(batch(2001))]);
  assert.equal(calls.idsBySubs, 4);
  assert.equal(calls.liveUserIds, 4);
  assert.deepEqual(
    results[0],
    Array.from({ length: 500 }, (_, i) => 10_001 + i),
  );
  assert.deepEqual(
    results[1],
    Array.from({ length: 500 }, (_, i) => 2001 + i),
  );
  // Subs the table lacks (deleted, unknown, not UUIDs) are looked up, together.
  const mixed = await ids.resolve([sub(600), sub(16_000), sub(12_000), sub(16_001), 'not-a-uuid']);
  assert.deepEqual(mixed, [16_000]);
  assert.equal(calls.idsBySubs, 5);
  assert.equal(calls.liveUserIds, 4);
});

test('a user written after the read (a first login) is found by a lookup', async () => {
  const { store, calls } = fakeStore(100);
  // 8 users seen: the first batch of 2 is past an eighth, so the table is read at once.
  const ids = memberIds(store, 'eu-west-1_P', 8);
  assert.deepEqual(await ids.resolve([sub(1), sub(2)]), [1, 2]);
  assert.equal(calls.liveUserIds, 1);
  // The login's row: in the store, not in the table.
  const late = store.idsBySubs.bind(store);
  store.idsBySubs = async (pool, subs) => [
    ...(await late(pool, subs)),
    ...(subs.includes(sub(101)) ? [{ id: 101, deletedAt: null }] : []),
  ];
  assert.deepEqual(await ids.resolve([sub(3), sub(101)]), [3, 101]);
});

test('deleted users are skipped by the lookups too', async () => {
  const { store } = fakeStore(100, new Set([2]));
  assert.deepEqual(await memberIds(store, 'eu-west-1_P', 1000).resolve([sub(1), sub(2)]), [1]);
});

test('a failed read of the users fails the batches that wait for it', async () => {
  const { store } = fakeStore(100);
  (store as { liveUserIds: unknown }).liveUserIds = async () => {
    throw new Error('connection lost');
  };
  const ids = memberIds(store, 'eu-west-1_P', 100);
  const batch = Array.from({ length: 20 }, (_, i) => sub(i + 1));
  await assert.rejects(ids.resolve(batch), /connection lost/);
  await assert.rejects(ids.resolve(batch), /connection lost/);
});
