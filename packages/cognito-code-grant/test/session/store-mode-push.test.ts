/**
 * Store mode with push invalidation, on a channel the test controls (delivered, dropped, down,
 * up): a served session is kept in memory while the channel is live, dropped when its message
 * arrives, read on every request while the channel is down, and read again (never trusted as
 * it was) once the channel is back, so a logout whose message was lost is still refused.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PushListener } from '../../src/session/push.ts';
import { hashSessionId } from '../../src/session/session-id.ts';
import type { SessionStore } from '../../src/session/store.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { backend, jar, sessionOf } from './backend-fixture.ts';

/** The memory store's data behind a channel the test drives; counts store reads. */
function controlled(now: () => number) {
  const inner = createMemorySessionStore({ now });
  const listeners = new Set<PushListener>();
  let live = true;
  let reads = 0;
  const store: SessionStore = {
    get: (k) => {
      reads++;
      return inner.get(k);
    },
    set: (k, r) => inner.set(k, r),
    replace: (k, r) => inner.replace!(k, r),
    delete: (k) => inner.delete(k),
    touch: (k, e) => inner.touch(k, e),
    acquireLease: (k, o, t) => inner.acquireLease(k, o, t),
    releaseLease: (k, o) => inner.releaseLease(k, o),
    async subscribe(listener) {
      listeners.add(listener);
      return {
        get live() {
          return live;
        },
        close: async () => void listeners.delete(listener),
      };
    },
  };
  return {
    inner,
    store,
    reads: () => reads,
    message: (idHash: string) => {
      for (const l of listeners) l.session?.(idHash);
    },
    down: () => {
      live = false;
      for (const l of listeners) l.down?.(new Error('test'));
    },
    up: () => {
      live = true;
      for (const l of listeners) l.up?.();
    },
  };
}

describe('store mode with push invalidation', () => {
  const t = Date.UTC(2026, 11, 6, 12);
  const now = () => t;

  async function twoInstances() {
    const c = controlled(now);
    // A writes through the plain store (its messages are what the test delivers or drops).
    const a = backend(c.inner, now, { push: false });
    const b = backend(c.store, now);
    await Promise.resolve(); // b's subscription settles
    const { state, setCookies } = await a.create(sessionOf('u1', t), new Map(), t);
    return { c, a, b, state, cookies: jar(setCookies) };
  }

  test('a served session is kept in memory; its message makes the next request read, and a logout is refused', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    assert.equal((await b.read(cookies))?.state.sid, state.sid);
    assert.equal(c.reads(), 1);
    for (let i = 0; i < 5; i++) assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 1, 'no store read while the channel is live and silent');
    await a.destroy(state, cookies);
    c.message(hashSessionId(state.sid));
    assert.equal(await b.read(cookies), undefined, 'refused once the message arrived');
    assert.equal(c.reads(), 2);
  });

  test('without push (push: false) every request reads the store', async () => {
    const c = controlled(now);
    const b = backend(c.store, now, { push: false });
    const { setCookies } = await b.create(sessionOf('u2', t), new Map(), t);
    const cookies = jar(setCookies);
    for (let i = 0; i < 3; i++) assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 3);
  });

  test('while the channel is down every request reads the store: a logout is refused at once', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    assert.ok(await b.read(cookies));
    c.down();
    assert.ok(await b.read(cookies));
    assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 3, 'one read per request while down');
    await a.destroy(state, cookies); // its message is lost: the channel is down
    assert.equal(await b.read(cookies), undefined);
  });

  test('no stale session after a reconnect: a logout whose message was lost is refused', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    assert.ok(await b.read(cookies));
    assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 1);
    c.down();
    await a.destroy(state, cookies); // no message reaches b
    c.up();
    assert.equal(await b.read(cookies), undefined, 'the remembered session is read again after up');
  });

  test('a session read while the channel was down is not trusted after up without a new read', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    c.down();
    assert.ok(await b.read(cookies)); // read while down: messages may be missing
    await a.destroy(state, cookies); // its message is lost
    c.up();
    assert.equal(await b.read(cookies), undefined);
  });

  test('after a reconnect a session is read once, then trusted again', async () => {
    const { c, b, cookies } = await twoInstances();
    assert.ok(await b.read(cookies));
    c.down();
    c.up();
    assert.ok(await b.read(cookies));
    assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 2);
  });

  test('a message that arrives while a read is in flight keeps that read untrusted', async () => {
    const { c, b, state, cookies } = await twoInstances();
    const reading = b.read(cookies);
    c.message(hashSessionId(state.sid));
    assert.ok(await reading);
    assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 2, 'the raced read was not trusted');
    assert.ok(await b.read(cookies));
    assert.equal(c.reads(), 2);
  });

  test('a refresh by another instance replaces the remembered session once announced', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    assert.equal((await b.read(cookies))?.state.accessToken, 'at-u1');
    const refreshed = { ...state, accessToken: 'at-u1-refreshed' };
    await a.save(refreshed, cookies, t);
    c.message(hashSessionId(state.sid));
    assert.equal((await b.read(cookies))?.state.accessToken, 'at-u1-refreshed');
  });

  test('a session past its expiry is read again, whatever the channel says', async () => {
    let clock = t;
    const c = controlled(() => clock);
    const b = backend(c.store, () => clock);
    await Promise.resolve();
    const { setCookies } = await b.create(sessionOf('u3', t), new Map(), t);
    const cookies = jar(setCookies);
    assert.ok(await b.read(cookies));
    clock = t + 3_600_000; // the rolling window has passed
    assert.equal(await b.read(cookies), undefined);
  });
});
