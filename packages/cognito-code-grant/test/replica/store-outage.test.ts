/**
 * The replica's degraded mode (issue 18.3) on the port level, with no database: a UserStore
 * that fails on demand. The same behaviour over a real connection is in test/faults/.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CognitoAuthError } from '../../src/errors/errors.ts';
import { createUserReplica } from '../../src/replica/replica.ts';
import type { UserStore } from '../../src/replica/user-store.ts';
import { createMemoryUserStore } from '../../src/store/memory/user-store.ts';
import { fakeClock, POOL, principal } from './helpers.ts';

/** The memory store, failing every call with STORE_FAILED while `down` is set. */
function flakyStore() {
  const inner = createMemoryUserStore();
  const state = { down: false };
  const store = {} as Record<string, unknown>;
  for (const name of Object.keys(inner) as (keyof UserStore)[]) {
    const fn = inner[name] as unknown;
    if (typeof fn !== 'function') continue;
    store[name] = (...args: unknown[]) =>
      state.down
        ? Promise.reject(new CognitoAuthError('STORE_FAILED', 'store is away'))
        : (fn as (...a: unknown[]) => unknown).apply(inner, args);
  }
  return { store: store as unknown as UserStore, state };
}

const isStoreFailed = (error: unknown) => (error as { code?: unknown }).code === 'STORE_FAILED';

test('fail closed (default): past the cache TTL a store outage is STORE_FAILED', async () => {
  const { store, state } = flakyStore();
  const clock = fakeClock();
  const replica = createUserReplica(store, { now: clock.now, cacheTtlMs: 1000 });
  const p = principal({ sub: 'o-1' });
  const first = await replica.syncFromPrincipal(p, 'bearer');
  state.down = true;
  assert.equal((await replica.syncFromPrincipal(p, 'bearer')).replicaUserId, first.replicaUserId);
  clock.advance(1000);
  await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), isStoreFailed);
});

test('serveLastKnownForMs: the last known user within the window, reported once per outage', async () => {
  const { store, state } = flakyStore();
  const clock = fakeClock();
  const reports: unknown[] = [];
  const replica = createUserReplica(store, {
    now: clock.now,
    cacheTtlMs: 1000,
    onStoreOutage: { serveLastKnownForMs: 10_000 },
    onDegraded: (error) => reports.push(error),
  });
  const p = principal({ sub: 'o-2' });
  const first = await replica.syncFromPrincipal(p, 'bearer');
  state.down = true;
  clock.advance(5000);
  for (let i = 0; i < 3; i++)
    assert.equal((await replica.syncFromPrincipal(p, 'session')).replicaUserId, first.replicaUserId);
  assert.equal(reports.length, 1);
  // A user never read by this process has no last known state: closed.
  await assert.rejects(replica.syncFromPrincipal(principal({ sub: 'o-never' }), 'bearer'), isStoreFailed);
  // Past the window: closed.
  clock.advance(5000);
  await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), isStoreFailed);
  // Back: a read succeeds, the next outage is reported again.
  state.down = false;
  await replica.syncFromPrincipal(p, 'bearer');
  state.down = true;
  clock.advance(1000);
  await replica.syncFromPrincipal(p, 'bearer');
  assert.equal(reports.length, 2);
});

test('serveLastKnownForMs never lets in a user whose last known state is refused', async () => {
  const { store, state } = flakyStore();
  const clock = fakeClock();
  const replica = createUserReplica(store, {
    now: clock.now,
    cacheTtlMs: 1000,
    onStoreOutage: { serveLastKnownForMs: 60_000 },
    onDegraded: () => {},
  });
  const p = principal({ sub: 'o-3' });
  await replica.syncFromPrincipal(p, 'bearer');
  // Disabled by a trigger event, then re-read by a request (the cache now holds the refusal).
  await replica.applyUserState(
    { poolId: POOL, sub: 'o-3', username: 'o-3', attributes: {}, enabled: false },
    'webhook',
  );
  await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), { code: 'USER_DISABLED' });
  state.down = true;
  clock.advance(2000);
  await assert.rejects(replica.syncFromPrincipal(p, 'bearer'), { code: 'USER_DISABLED' });
});

test('onStoreOutage is checked at creation', () => {
  const { store } = flakyStore();
  for (const bad of [{ serveLastKnownForMs: 0 }, { serveLastKnownForMs: -1 }, 'open', {}] as never[])
    assert.throws(() => createUserReplica(store, { onStoreOutage: bad }), { code: 'CONFIG_INVALID' });
});
