/**
 * The one conformance suite every SessionStore passes (memory, SQLite, PostgreSQL, MySQL/MariaDB,
 * Redis). Each backend file provides a factory; the clock is injected so expiry needs no sleep.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { SessionRecord, SessionStore, UnchangedRecord } from '../../src/session/store.ts';

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

/** A record without its version (which only some stores keep, with values of their own). */
function plain(r: SessionRecord | UnchangedRecord | undefined) {
  if (r === undefined || 'unchanged' in r) return r;
  const { version: _version, ...rest } = r;
  return rest;
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
      assert.deepEqual(plain(got), { data: '{"a":1}', userSub: 'sub-1', expiresAt: t + 60_000 });
    });

    test('set replaces a record; userSub may be null', async () => {
      const k = id();
      await store.set(k, rec('one'));
      await store.set(k, rec('two', 120_000, null));
      assert.deepEqual(plain(await store.get(k)), { data: 'two', userSub: null, expiresAt: t + 120_000 });
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

    test('getMany and replace do not survive a spread, so a wrapper uses its own get and set', () => {
      assert.ok(store.getMany && store.replace);
      const wrapper: SessionStore = { ...store };
      assert.equal(wrapper.getMany, undefined);
      assert.equal(wrapper.replace, undefined);
    });

    test('replace rewrites a live record only; a deleted, expired or unknown one stays gone', async () => {
      assert.ok(store.replace, 'every bundled store implements replace');
      const k = id();
      await store.set(k, rec('x'));
      const v1 = (await store.get(k))?.version;
      assert.equal(await store.replace(k, rec('y')), true);
      const now = await store.get(k);
      assert.deepEqual(plain(now), plain(rec('y')));
      assert.notEqual(now?.version, v1, 'a replace is a new version');
      await store.delete(k);
      assert.equal(await store.replace(k, rec('z')), false);
      assert.equal(await store.get(k), undefined);
      const short = id();
      await store.set(short, rec('x', 1000));
      t += 2000;
      assert.equal(await store.replace(short, rec('z')), false);
      assert.equal(await store.get(short), undefined);
      const unknown = id();
      assert.equal(await store.replace(unknown, rec('z')), false);
      assert.equal(await store.get(unknown), undefined);
    });

    test('touch moves the expiry without changing data, and never creates a record', async () => {
      const k = id();
      await store.set(k, rec('x', 1000));
      await store.touch(k, t + 5000);
      t += 2000;
      assert.deepEqual(plain(await store.get(k)), { data: 'x', userSub: 'sub-1', expiresAt: t + 3000 });
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

    test('getMany answers in the order asked, undefined for unknown, expired and deleted ids', async () => {
      assert.ok(store.getMany, 'every bundled store implements getMany');
      const [a, b, gone, expired, unknown] = [id(), id(), id(), id(), id()];
      await store.set(a, rec('a'));
      await store.set(b, rec('b', 60_000, null));
      await store.set(gone, rec('gone'));
      await store.delete(gone);
      await store.set(expired, rec('old', 1000));
      t += 1000;
      const got = await store.getMany([b, unknown, a, expired, gone, a]);
      assert.deepEqual(got.map(plain), [
        { data: 'b', userSub: null, expiresAt: t - 1000 + 60_000 },
        undefined,
        { data: 'a', userSub: 'sub-1', expiresAt: t - 1000 + 60_000 },
        undefined,
        undefined,
        { data: 'a', userSub: 'sub-1', expiresAt: t - 1000 + 60_000 },
      ]);
      assert.deepEqual(await store.getMany([]), []);
    });

    test('getMany of a full batch (100 ids) sees each record as get does', async () => {
      const ids = Array.from({ length: 100 }, () => id());
      for (const [i, k] of ids.entries()) if (i % 3 !== 0) await store.set(k, rec(`v${i}`));
      const got = await store.getMany!(ids);
      assert.equal(got.length, 100);
      for (const [i, k] of ids.entries()) assert.deepEqual(got[i], await store.get(k), `id #${i}`);
      assert.equal(got.filter(Boolean).length, 66);
    });

    test('versions: a new one on every set, kept by touch, never reused after a delete', async () => {
      const k = id();
      await store.set(k, rec('one'));
      const v1 = (await store.get(k))?.version;
      assert.ok(v1 !== undefined, 'every bundled store keeps versions (they are optional in the port)');
      await store.touch(k, t + 90_000);
      assert.equal((await store.get(k))?.version, v1, 'touch keeps the version');
      await store.set(k, rec('one'));
      const v2 = (await store.get(k))?.version;
      assert.notEqual(v2, v1, 'a rewrite, even of the same data, is a new version');
      await store.delete(k);
      await store.set(k, rec('two'));
      const v3 = (await store.get(k))?.version;
      assert.ok(v3 !== v1 && v3 !== v2, 'a deleted session written again gets a fresh version');
    });

    test('getMany with known versions: unchanged records come back without data', async () => {
      const [same, moved, fresh, gone] = [id(), id(), id(), id()];
      for (const k of [same, moved, fresh, gone]) await store.set(k, rec(`data-${k}`));
      const versions = await Promise.all(
        [same, moved, fresh, gone].map(async (k) => (await store.get(k))?.version),
      );
      await store.set(moved, rec('moved on'));
      await store.touch(same, t + 30_000);
      await store.delete(gone);
      const got = await store.getMany!(
        [same, moved, fresh, gone],
        [versions[0], versions[1], undefined, versions[3]],
      );
      assert.deepEqual(got[0], {
        unchanged: true,
        version: versions[0],
        userSub: 'sub-1',
        expiresAt: t + 30_000,
      });
      assert.deepEqual(plain(got[1]), { data: 'moved on', userSub: 'sub-1', expiresAt: t + 60_000 });
      assert.notEqual((got[1] as SessionRecord).version, versions[1]);
      assert.deepEqual(plain(got[2]), { data: `data-${fresh}`, userSub: 'sub-1', expiresAt: t + 60_000 });
      assert.equal(got[3], undefined);
      // One id asked twice with different versions: each answer fits its own known version
      // (unchanged, or the data); the stale one must carry the data.
      const twice = await store.getMany!([same, same], [versions[0], 'other']);
      const first = twice[0]!;
      assert.ok('unchanged' in first ? first.version === versions[0] : first.data === `data-${same}`);
      assert.equal((twice[1] as SessionRecord).data, `data-${same}`);
      // A version the store never gave (garbage, or another store's) is a full read.
      const full = await store.getMany!([same], ['not-a-version']);
      assert.equal((full[0] as SessionRecord).data, `data-${same}`);
    });
  });
}
