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

const t = Date.UTC(2026, 11, 6, 12);
const now = () => t;

/** Two processes on one store: A writes, B serves with push (`c` delivers or drops messages). */
async function twoInstances() {
  const c = controlled(now);
  // A writes through the plain store (its messages are what the test delivers or drops).
  const a = backend(c.inner, now, { push: false });
  const b = backend(c.store, now);
  await Promise.resolve(); // b's subscription settles
  const { state, setCookies } = await a.create(sessionOf('u1', t), new Map(), t);
  return { c, a, b, state, cookies: jar(setCookies) };
}

describe('store mode with push invalidation', () => {
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

/**
 * `readSync`, the promise-free path the authenticator tries first: it answers only what `read`
 * would answer without a store read, and is undefined (go to `read`) in every other case.
 */
describe('store mode with push invalidation: readSync', () => {
  test('a session not read yet in this process is left to read; once read it is answered from memory', async () => {
    const { c, b, state, cookies } = await twoInstances();
    assert.equal(b.readSync!(cookies), undefined);
    const read = await b.read(cookies);
    assert.equal(b.readSync!(cookies), read, 'the very answer read gave');
    assert.equal(b.readSync!(cookies)?.state.sid, state.sid);
    assert.equal(c.reads(), 1);
  });

  test('a logout elsewhere: no answer from memory once its message arrived, and read refuses it', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    await b.read(cookies);
    assert.ok(b.readSync!(cookies));
    await a.destroy(state, cookies);
    c.message(hashSessionId(state.sid));
    assert.equal(b.readSync!(cookies), undefined);
    assert.equal(await b.read(cookies), undefined);
  });

  test('nothing is answered from memory while the channel is down, nor after up until a new read', async () => {
    const { c, a, b, state, cookies } = await twoInstances();
    await b.read(cookies);
    c.down();
    assert.equal(b.readSync!(cookies), undefined);
    assert.ok(await b.read(cookies), 'read while down');
    assert.equal(b.readSync!(cookies), undefined, 'a read while down is not trusted');
    await a.destroy(state, cookies); // its message is lost
    c.up();
    assert.equal(b.readSync!(cookies), undefined, 'not trusted after up without a new read');
    assert.equal(await b.read(cookies), undefined);
  });

  test('the secret is checked on every answer from memory: a forged secret for a remembered id gets none', async () => {
    const { b, cookies } = await twoInstances();
    await b.read(cookies);
    assert.ok(b.readSync!(cookies), 'the real secret, remembered');
    const [name, value] = [...cookies][0]!;
    const [id, secret] = value.split('.') as [string, string];
    for (const forged of [
      `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`,
      `${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`,
    ]) {
      const wrong = new Map([[name, `${id}.${forged}`]]);
      assert.equal(b.readSync!(wrong), undefined);
      assert.equal(await b.read(wrong), undefined);
    }
    assert.ok(b.readSync!(cookies), 'the real cookie still works');
  });

  test('a session past its expiry is not answered from memory', async () => {
    let clock = t;
    const c = controlled(() => clock);
    const b = backend(c.store, () => clock);
    await Promise.resolve();
    const { setCookies } = await b.create(sessionOf('u3', t), new Map(), t);
    const cookies = jar(setCookies);
    assert.ok(await b.read(cookies));
    assert.ok(b.readSync!(cookies));
    clock = t + 3_600_000;
    assert.equal(b.readSync!(cookies), undefined);
  });

  test('without a channel or a revalidation window there is no readSync at all (every request reads)', () => {
    const c = controlled(now);
    assert.equal(backend(c.store, now, { push: false }).readSync, undefined);
    assert.equal(backend(c.inner, now, { push: false, revalidateAfterMs: 0 }).readSync, undefined);
    assert.equal(typeof backend(c.store, now, { push: false, revalidateAfterMs: 1000 }).readSync, 'function');
  });
});
