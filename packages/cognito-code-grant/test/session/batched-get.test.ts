/**
 * batchedGet: reads asked for in the same turn of the event loop become one getMany call; each
 * caller gets its own record; errors reach every caller of the batch; stores without getMany
 * are read one by one; no read is ever answered from an earlier query.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchedGet } from '../../src/session/batched-get.ts';
import { revocationList } from '../../src/session/revocation.ts';
import type { SessionRecord, SessionStore, UnchangedRecord } from '../../src/session/store.ts';

const dataOf = (r: SessionRecord | UnchangedRecord | undefined) => (r && 'data' in r ? r.data : undefined);
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';

const rec = (data: string): SessionRecord => ({ data, userSub: null, expiresAt: Date.now() + 60_000 });

function recordingStore(withGetMany = true) {
  const inner = createMemorySessionStore();
  const calls: string[][] = [];
  let failNext: Error | undefined;
  // Read as a store across a network would be (the memory store itself is not gathered).
  const store: SessionStore = {
    ...inner,
    inProcess: false,
    async get(idHash) {
      calls.push([idHash]);
      if (failNext) throw failNext;
      return inner.get(idHash);
    },
  };
  if (withGetMany) {
    store.getMany = async (ids) => {
      calls.push([...ids]);
      if (failNext) throw failNext;
      return inner.getMany!(ids);
    };
  }
  return {
    store,
    inner,
    calls,
    fail(error: Error | undefined) {
      failNext = error;
    },
  };
}

describe('batchedGet', () => {
  test('reads of one turn are one getMany call, each answered with its own record', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.set('a', rec('A'));
    await inner.set('b', rec('B'));
    const get = batchedGet(store);
    const answers = await Promise.all([get('a'), get('x'), get('b')]);
    assert.deepEqual(answers.map(dataOf), ['A', undefined, 'B']);
    assert.deepEqual(calls, [['a', 'x', 'b']]);
  });

  test('an id asked for twice in a batch is queried once; both callers get it', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.set('a', rec('A'));
    const get = batchedGet(store);
    const [one, two, other] = await Promise.all([get('a'), get('a'), get('z')]);
    assert.equal(dataOf(one), 'A');
    assert.equal(dataOf(two), 'A');
    assert.equal(other, undefined);
    assert.deepEqual(calls, [['a', 'z']]);
  });

  test('a lone read uses get; later turns issue new queries and see new writes', async () => {
    const { store, inner, calls } = recordingStore();
    const get = batchedGet(store);
    assert.equal(await get('a'), undefined);
    await inner.set('a', rec('A'));
    assert.equal(dataOf(await get('a')), 'A');
    await inner.delete('a');
    assert.equal(await get('a'), undefined, 'a delete before the read is seen');
    assert.deepEqual(calls, [['a'], ['a'], ['a']]);
  });

  test('batches are split at maxBatch', async () => {
    const { store, calls } = recordingStore();
    const get = batchedGet(store, 3);
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => get(k)));
    assert.deepEqual(calls, [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  });

  test('a store failure rejects every read of the batch, and the next batch works', async () => {
    const { store, inner, calls, fail } = recordingStore();
    await inner.set('a', rec('A'));
    const get = batchedGet(store);
    fail(new Error('connection lost'));
    const results = await Promise.allSettled([get('a'), get('b'), get('a')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected', 'rejected'],
    );
    fail(undefined);
    assert.equal(dataOf(await get('a')), 'A');
    assert.equal(calls.length, 2);
  });

  test('a getMany answering the wrong number of records is a failure, not a misrouted record', async () => {
    const { store } = recordingStore();
    store.getMany = async () => [rec('wrong')];
    const get = batchedGet(store);
    const results = await Promise.allSettled([get('a'), get('b')]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rejected', 'rejected'],
    );
  });

  test('a store without getMany is read with get, once per read', async () => {
    const { store, inner, calls } = recordingStore(false);
    await inner.set('a', rec('A'));
    const get = batchedGet(store);
    const answers = await Promise.all([get('a'), get('b')]);
    assert.deepEqual(answers.map(dataOf), ['A', undefined]);
    assert.deepEqual(calls, [['a'], ['b']]);
  });

  test('an in-process store is read directly, one get per read', async () => {
    const { store, inner, calls } = recordingStore();
    await inner.set('a', rec('A'));
    const get = batchedGet({ ...store, inProcess: true });
    await Promise.all([get('a'), get('b')]);
    assert.deepEqual(calls, [['a'], ['b']]);
  });

  test('a bundled store spread with a wrapped get is read through that get', async () => {
    const inner = createMemorySessionStore();
    await inner.set('a', rec('A'));
    const seen: string[] = [];
    const wrapped: SessionStore = {
      ...inner,
      inProcess: false,
      get: (idHash) => {
        seen.push(idHash);
        return inner.get(idHash);
      },
    };
    const get = batchedGet(wrapped);
    await Promise.all([get('a'), get('b')]);
    assert.deepEqual(seen, ['a', 'b'], 'getMany is not carried over by the spread');
    assert.ok(inner.getMany, 'the store itself still has getMany');
  });

  test("cookie mode's revocation checks on a store are gathered too", async () => {
    const { store, calls } = recordingStore();
    const list = revocationList(store);
    await list.add('ended', Date.now() + 60_000, Date.now());
    const answers = await Promise.all([list.has('ended'), list.has('live'), list.has('other')]);
    assert.deepEqual(answers, [true, false, false]);
    assert.equal(calls.length, 1, 'one round trip for the three checks');
    assert.equal(calls[0]!.length, 3);
  });
});
