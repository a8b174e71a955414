import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { runStoreSuite } from './store.suite.ts';

runStoreSuite('memory', {
  open: async (now) => ({ store: createMemorySessionStore({ now }), close: async () => {} }),
});

test('the memory store is bounded', async () => {
  const store = createMemorySessionStore({ maxSessions: 3 });
  for (let i = 0; i < 10; i++)
    await store.set(`k${i}`, { data: 'x', userSub: null, expiresAt: Date.now() + 60_000 });
  assert.equal(store.size(), 3);
  assert.equal(await store.get('k0'), undefined);
  assert.ok(await store.get('k9'));
});
