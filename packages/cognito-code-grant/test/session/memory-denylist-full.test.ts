/** A full in-memory deny-list drops the entry closest to expiry, and says so once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemorySessionStore } from '../../src/store/memory/index.ts';

test('a live entry dropped from a full memory deny-list is reported once', async () => {
  const told: number[] = [];
  const t = 1_000_000;
  const store = createMemorySessionStore({
    now: () => t,
    maxDeniedOrigins: 2,
    onDenylistFull: (n) => told.push(n),
  });
  await store.denyOrigin!('a', t + 10_000);
  await store.denyOrigin!('b', t + 20_000);
  assert.deepEqual(told, []);
  await store.denyOrigin!('c', t + 30_000);
  await store.denyOrigin!('d', t + 40_000);
  assert.deepEqual(told, [2], 'told once, with the limit');
  const left = (await store.deniedOrigins!()).map((e) => e.originJti).sort();
  assert.deepEqual(left, ['c', 'd']);
});

test('expired entries make room without a report', async () => {
  const told: number[] = [];
  let t = 1_000_000;
  const store = createMemorySessionStore({
    now: () => t,
    maxDeniedOrigins: 1,
    onDenylistFull: (n) => told.push(n),
  });
  await store.denyOrigin!('a', t + 10);
  t += 20;
  await store.denyOrigin!('b', t + 10_000);
  assert.deepEqual(told, []);
});
