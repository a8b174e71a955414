/**
 * The shared suites of the push channel and the origin deny-list, run on every store (memory,
 * SQLite, PostgreSQL, MySQL/MariaDB, Redis, Redis Cluster). Each backend opens two stores on one
 * database or server through separate connections, like two app processes. Nothing sleeps: a
 * test waits for the event it expects (a channel message, a poll, a reconnect).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { createOriginDenylist, type DenylistEvent } from '../../src/session/origin-denylist.ts';
import type { PushListener } from '../../src/session/push.ts';
import { hashSessionId } from '../../src/session/session-id.ts';
import type { SessionStore } from '../../src/session/store.ts';
import { backend, jar, sessionOf } from './backend-fixture.ts';

export interface PairBackend {
  /** Two stores on one backend through separate connections. */
  openPair(now: () => number): Promise<{ a: SessionStore; b: SessionStore; close(): Promise<void> }>;
  /** Closes `b`'s channel connection from the server side (CLIENT KILL, pg_terminate_backend). */
  killSubscriber?(): Promise<void>;
}

type Event =
  | { type: 'session'; idHash: string }
  | { type: 'origin'; originJti: string; expiresAt: number }
  | { type: 'down' }
  | { type: 'up' };

/**
 * Waits for pushed events that fit. The stores' retry and poll timers are unref'd (they must never
 * keep an app's process alive), so a test waiting only on them would see the event loop end under
 * it (Node 22 ends it, cancelling the test): each wait holds a timer of its own, which also fails
 * it rather than hang.
 */
function eventWaiter<E>(what: string) {
  const waiting: { fits(e: E): boolean; resolve(e: E): void }[] = [];
  return {
    push(e: E) {
      for (const w of [...waiting]) {
        if (w.fits(e)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(e);
        }
      }
    },
    next: (fits: (e: E) => boolean) =>
      new Promise<E>((resolve, reject) => {
        const guard = setTimeout(() => reject(new Error(`no such ${what} event within 10 s`)), 10_000);
        waiting.push({
          fits,
          resolve: (e) => {
            clearTimeout(guard);
            resolve(e);
          },
        });
      }),
  };
}

/** Records a channel's events; `next` waits for the first one (from now on) that fits. */
export function recorder() {
  const events = eventWaiter<Event>('push channel');
  const seen: Event[] = [];
  const push = (e: Event) => {
    seen.push(e);
    events.push(e);
  };
  const listener: PushListener = {
    session: (idHash) => push({ type: 'session', idHash }),
    origin: (originJti, expiresAt) => push({ type: 'origin', originJti, expiresAt }),
    down: () => push({ type: 'down' }),
    up: () => push({ type: 'up' }),
  };
  return { listener, seen, next: events.next };
}

/** Waits for a deny-list event that fits. */
export function denylistEvents() {
  const events = eventWaiter<DenylistEvent>('deny-list');
  return { onEvent: events.push, next: events.next };
}

let counter = 0;
const key = () => `${'a'.repeat(48)}${(++counter).toString(16).padStart(16, '0')}`;
const origin = () => `origin-${process.pid}-${++counter}-${Math.random().toString(36).slice(2)}`;

/** The push channel: every store that has one (memory, Redis with push, PostgreSQL with listen). */
export function runPushSuite(name: string, backend: PairBackend, skip?: string): void {
  describe(`push channel: ${name}`, { skip }, () => {
    const t = Date.now();
    let a: SessionStore;
    let b: SessionStore;
    let close: () => Promise<void> = async () => {};
    before(async () => {
      ({ a, b, close } = await backend.openPair(() => t));
    });
    after(() => close());
    const rec = (data: string) => ({ data, userSub: 'sub', expiresAt: t + 60_000 });

    test('set, replace and delete in one store are announced to the other', async () => {
      assert.ok(b.subscribe, 'the store offers a channel');
      const events = recorder();
      const sub = await b.subscribe(events.listener);
      try {
        assert.equal(sub.live, true);
        const k = key();
        await a.set(k, rec('one'));
        // A new row: nobody can hold it, so only rewrites and deletes must be announced.
        let got = events.next((e) => e.type === 'session' && e.idHash === k);
        await a.set(k, rec('two'));
        await got;
        got = events.next((e) => e.type === 'session' && e.idHash === k);
        assert.equal(await a.replace!(k, rec('three')), true);
        await got;
        got = events.next((e) => e.type === 'session' && e.idHash === k);
        await a.delete(k);
        await got;
      } finally {
        await sub.close();
      }
    });

    test('a denied origin is announced with its expiry; the later expiry wins', async () => {
      const events = recorder();
      const sub = await b.subscribe!(events.listener);
      try {
        const o = origin();
        let got = events.next((e) => e.type === 'origin' && e.originJti === o);
        await a.denyOrigin!(o, t + 90_000);
        assert.deepEqual(await got, { type: 'origin', originJti: o, expiresAt: t + 90_000 });
        got = events.next((e) => e.type === 'origin' && e.originJti === o && e.expiresAt === t + 120_000);
        await a.denyOrigin!(o, t + 120_000);
        await got;
      } finally {
        await sub.close();
      }
    });

    if (backend.killSubscriber) {
      test('a killed channel connection is reported down, then up once subscribed again', async () => {
        const events = recorder();
        const sub = await b.subscribe!(events.listener);
        try {
          assert.equal(sub.live, true);
          const down = events.next((e) => e.type === 'down');
          const up = events.next((e) => e.type === 'up');
          await backend.killSubscriber!();
          await down;
          await up;
          assert.equal(sub.live, true);
          // Delivered again after the reconnect.
          const k = key();
          await a.set(k, rec('x'));
          const got = events.next((e) => e.type === 'session' && e.idHash === k);
          await a.delete(k);
          await got;
        } finally {
          await sub.close();
        }
      });
    }
  });
}

/** The deny-list: every store (push where the store has a channel, polling elsewhere). */
export function runDenylistSuite(name: string, backend: PairBackend, skip?: string): void {
  describe(`origin deny-list: ${name}`, { skip }, () => {
    let t = Date.now();
    let a: SessionStore;
    let b: SessionStore;
    let close: () => Promise<void> = async () => {};
    before(async () => {
      ({ a, b, close } = await backend.openPair(() => t));
    });
    after(() => close());

    test('denyOrigin and deniedOrigins: the later expiry wins, expired entries are gone', async () => {
      const [x, y, z] = [origin(), origin(), origin()];
      const before = t;
      await a.denyOrigin!(x, t + 60_000);
      await a.denyOrigin!(x, t + 30_000); // earlier: does not shorten it
      await a.denyOrigin!(y, t + 1000);
      await a.denyOrigin!(z, t + 90_000);
      await a.denyOrigin!(z, t + 120_000); // later: extends it
      const list = new Map((await b.deniedOrigins!()).map((e) => [e.originJti, e.expiresAt]));
      assert.equal(list.get(x), before + 60_000);
      assert.equal(list.get(y), before + 1000);
      assert.equal(list.get(z), before + 120_000);
      t += 1000;
      const later = new Map((await b.deniedOrigins!()).map((e) => [e.originJti, e.expiresAt]));
      assert.equal(later.has(y), false, 'expired');
      assert.equal(later.get(x), before + 60_000);
      // `since`: a store may filter by recording time, never leave out what came after it.
      const since = t;
      const w = origin();
      await a.denyOrigin!(w, t + 5000);
      const recent = (await b.deniedOrigins!(since)).map((e) => e.originJti);
      assert.ok(recent.includes(w));
    });

    test('a deny in one process is refused by the deny-list of another (pushed or polled)', async () => {
      const events = denylistEvents();
      const list = createOriginDenylist({
        store: b,
        now: () => t,
        pollIntervalMs: 20,
        onEvent: events.onEvent,
      });
      try {
        await list.ready();
        const o = origin();
        assert.equal(list.has(o), false);
        const pushed = b.subscribe ? events.next((e) => e.type === 'denied' && e.originJti === o) : undefined;
        const writer = createOriginDenylist({ store: a, now: () => t, pollIntervalMs: 1000 });
        await writer.ready();
        await writer.deny(o, t + 60_000);
        assert.equal(writer.has(o), true, 'the writer refuses it at once');
        await writer.close();
        if (pushed) await pushed;
        else {
          // Polled: the second poll to end after the write began after it.
          await events.next((e) => e.type === 'synced');
          await events.next((e) => e.type === 'synced');
        }
        assert.equal(list.has(o), true);
        assert.equal(list.live, b.subscribe !== undefined);
        t += 60_001;
        assert.equal(list.has(o), false, 'an entry ends at its expiry');
      } finally {
        await list.close();
      }
    });

    test('entries recorded before a process starts are loaded before it answers', async () => {
      const o = origin();
      await a.denyOrigin!(o, t + 60_000);
      const list = createOriginDenylist({ store: b, now: () => t, pollIntervalMs: 1000 });
      try {
        assert.throws(
          () => list.has(o),
          (e: unknown) => hasErrorCode(e, 'DENYLIST_UNAVAILABLE'),
        );
        await list.ready();
        assert.equal(list.has(o), true);
      } finally {
        await list.close();
      }
    });
  });
}

/** Store mode over a real channel: two app instances (backends) on two stores of one backend. */
export function runStoreModeSuite(name: string, pair: PairBackend, skip?: string): void {
  describe(`store mode with push invalidation: ${name}`, { skip }, () => {
    const t = Date.now();
    let a: SessionStore;
    let b: SessionStore;
    let close: () => Promise<void> = async () => {};
    before(async () => {
      ({ a, b, close } = await pair.openPair(() => t));
    });
    after(() => close());

    test('a logout in one instance is refused by the other once the message arrives', async () => {
      const pushEvents = recorder();
      const up = pushEvents.next((e) => e.type === 'up');
      const second = backend(b, () => t, {
        onPush: (e) => pushEvents.listener[e.type]?.(undefined as never),
      });
      await up;
      const first = backend(a, () => t, { push: false });
      const { state, setCookies } = await first.create(sessionOf('u1', t), new Map(), t);
      const cookies = jar(setCookies);
      assert.equal((await second.read(cookies))?.state.sid, state.sid);
      // Subscribed after `second`: when this listener has the message, `second` has it too.
      const messages = recorder();
      const sub = await b.subscribe!(messages.listener);
      try {
        const idHash = hashSessionId(state.sid);
        const got = messages.next((e) => e.type === 'session' && e.idHash === idHash);
        await first.destroy(state, cookies);
        await got;
        assert.equal(await second.read(cookies), undefined);
      } finally {
        await sub.close();
      }
    });

    if (pair.killSubscriber) {
      test('a killed channel falls back to reads; after the reconnect no session is stale', async () => {
        const pushEvents = recorder();
        let up = pushEvents.next((e) => e.type === 'up');
        const second = backend(b, () => t, {
          onPush: (e) => (e.type === 'up' ? pushEvents.listener.up!() : pushEvents.listener.down!(e.error)),
        });
        await up;
        const first = backend(a, () => t, { push: false });
        const one = await first.create(sessionOf('u2', t), new Map(), t);
        const two = await first.create(sessionOf('u3', t), new Map(), t);
        const [c1, c2] = [jar(one.setCookies), jar(two.setCookies)];
        assert.ok(await second.read(c1));
        assert.ok(await second.read(c2));
        const down = pushEvents.next((e) => e.type === 'down');
        up = pushEvents.next((e) => e.type === 'up');
        await pair.killSubscriber!();
        await down;
        // Down: the logout is refused at once (read per request), message or not.
        await first.destroy(one.state, c1);
        assert.equal(await second.read(c1), undefined);
        // Ended while down, before any read here: its message may be lost.
        await first.destroy(two.state, c2);
        await up;
        assert.equal(await second.read(c2), undefined, 'no stale session after the reconnect');
      });
    }
  });
}
