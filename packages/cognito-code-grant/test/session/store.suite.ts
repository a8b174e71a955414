/**
 * The one conformance suite every SessionStore passes (memory, SQLite, PostgreSQL, MySQL/MariaDB,
 * Redis). Each backend file provides a factory; the clock is injected so expiry needs no sleep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionStore } from '../../src/session/store.ts';

export interface StoreFixture {
  readonly store: SessionStore;
  /** Moves the store's clock. */
  advance(ms: number): void;
  now(): number;
}

export interface StoreSuiteBackend {
  /** Creates the backend (a database, a key prefix) once for the suite. */
  open(clock: () => number): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

let counter = 0;
const id = () => `${'0'.repeat(48)}${(++counter).toString(16).padStart(16, '0')}`;

export function runStoreSuite(name: string, backend: StoreSuiteBackend, skip?: string): void {
  describe(`SessionStore conformance: ${name}`, { skip }, () => {
    let t = Date.UTC(2026, 10, 23, 12, 0, 0);
    let store: SessionStore;
    let close: () => Promise<void> = async () => {};
    before(async () => {
      const opened = await backend.open(() => t);
      store = opened.store;
      close = opened.close;
    });
    after(async () => {
      await close();
    });
    const rec = (data: string, ttl = 60_000, userSub: string | null = 'sub-1') => ({
      data,
      userSub,
      expiresAt: t + ttl,
    });

    test('get of an unknown id is undefined', async () => {
      assert.equal(await store.get(id()), undefined);
    });

    test('set then get returns the record', async () => {
      const k = id();
      await store.set(k, rec('{"a":1}'));
      const got = await store.get(k);
      assert.deepEqual(got, { data: '{"a":1}', userSub: 'sub-1', expiresAt: t + 60_000 });
    });

    test('set replaces a record; userSub may be null', async () => {
      const k = id();
      await store.set(k, rec('one'));
      await store.set(k, rec('two', 120_000, null));
      assert.deepEqual(await store.get(k), { data: 'two', userSub: null, expiresAt: t + 120_000 });
      await store.set(k, rec('two', 120_000, null)); // identical rewrite is fine too
      assert.equal((await store.get(k))?.data, 'two');
    });

    test('large and non-ASCII data round-trips', async () => {
      const k = id();
      const data = JSON.stringify({ blob: 'x'.repeat(20_000), name: 'Zoë 💡 ñ' });
      await store.set(k, rec(data));
      assert.equal((await store.get(k))?.data, data);
    });

    test('an expired record is gone', async () => {
      const k = id();
      await store.set(k, rec('x', 1000));
      t += 1000;
      assert.equal(await store.get(k), undefined);
    });

    test('delete removes a record; deleting an unknown id is fine', async () => {
      const k = id();
      await store.set(k, rec('x'));
      await store.delete(k);
      assert.equal(await store.get(k), undefined);
      await store.delete(id());
    });

    test('touch moves the expiry without changing data, and never creates a record', async () => {
      const k = id();
      await store.set(k, rec('x', 1000));
      await store.touch(k, t + 5000);
      t += 2000;
      assert.deepEqual(await store.get(k), { data: 'x', userSub: 'sub-1', expiresAt: t + 3000 });
      const missing = id();
      await store.touch(missing, t + 5000);
      assert.equal(await store.get(missing), undefined);
    });

    test('the lease is exclusive, re-entrant for its owner, released only by its owner', async () => {
      const k = id();
      await store.set(k, rec('x'));
      assert.equal(await store.acquireLease(k, 'A', 10_000), true);
      assert.equal(await store.acquireLease(k, 'B', 10_000), false);
      assert.equal(await store.acquireLease(k, 'A', 10_000), true);
      await store.releaseLease(k, 'B');
      assert.equal(await store.acquireLease(k, 'B', 10_000), false);
      await store.releaseLease(k, 'A');
      assert.equal(await store.acquireLease(k, 'B', 10_000), true);
    });

    test('an expired lease can be taken over', async () => {
      const k = id();
      await store.set(k, rec('x'));
      assert.equal(await store.acquireLease(k, 'A', 1000), true);
      t += 1001;
      assert.equal(await store.acquireLease(k, 'B', 1000), true);
      assert.equal(await store.acquireLease(k, 'A', 1000), false);
    });

    test('no lease on a missing or expired session', async () => {
      assert.equal(await store.acquireLease(id(), 'A', 1000), false);
      const k = id();
      await store.set(k, rec('x', 500));
      t += 500;
      assert.equal(await store.acquireLease(k, 'A', 1000), false);
    });

    test('a rewrite keeps the lease; delete drops it', async () => {
      const k = id();
      await store.set(k, rec('x'));
      assert.equal(await store.acquireLease(k, 'A', 10_000), true);
      await store.set(k, rec('y'));
      assert.equal(await store.acquireLease(k, 'B', 10_000), false);
      await store.delete(k);
      await store.set(k, rec('z'));
      assert.equal(await store.acquireLease(k, 'B', 10_000), true);
    });

    test('concurrent lease attempts: exactly one winner', async () => {
      const k = id();
      await store.set(k, rec('x'));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.acquireLease(k, `owner-${i}`, 10_000)),
      );
      assert.equal(results.filter(Boolean).length, 1);
    });
  });
}
