/**
 * The session authenticator's promise-free path (`authenticateSync`, tried first by the Fastify
 * and Express adapters): in store mode it answers a session this process remembers and may trust
 * (push channel live and silent), with no store read; everything else (a logout announced, a
 * refresh or touch due, a hook, cookie mode) is left to `authenticate`, which decides as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SessionStore } from '../../src/session/store.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { APP, SECRET, setup } from './harness.ts';

/** A memory store (its in-process channel included) that counts reads. */
function countingStore(now: () => number): { store: SessionStore; reads(): number } {
  const inner = createMemorySessionStore({ now });
  let reads = 0;
  const store = Object.create(inner) as SessionStore;
  Object.defineProperty(store, 'get', {
    value: (idHash: string) => {
      reads++;
      return inner.get(idHash);
    },
  });
  Object.defineProperty(store, 'getMany', {
    value: (ids: readonly string[], known?: readonly (string | undefined)[]) => {
      reads += ids.length;
      return inner.getMany!(ids, known);
    },
  });
  return { store, reads: () => reads };
}

describe('session authenticator: authenticateSync', () => {
  function signedIn(extra: Parameters<typeof setup>[1] = {}) {
    let now = () => 0;
    const counted = countingStore(() => now());
    const s = setup('store', {
      session: { mode: 'store', store: counted.store, secrets: [SECRET] },
      ...extra,
    });
    now = () => s.clock.t;
    return { ...s, reads: counted.reads, store: counted.store };
  }

  test('a remembered session is answered without a promise and without a store read', async () => {
    const s = signedIn();
    await s.signIn();
    const first = await s.authenticate();
    assert.equal(first.principal?.username, 'jdoe');
    const reads = s.reads();
    for (let i = 0; i < 5; i++) {
      const out = s.login.authenticator.authenticateSync!(s.requestLike());
      assert.equal(out?.principal, first.principal, 'the same principal as the promise path');
      assert.deepEqual(out?.setCookies, []);
    }
    assert.equal(s.reads(), reads);
  });

  test('a logout in another process: no answer from memory once announced, and the session is refused', async () => {
    const s = signedIn();
    await s.signIn();
    await s.authenticate();
    assert.ok(s.login.authenticator.authenticateSync!(s.requestLike())?.principal);
    const other = s.otherProcess({ mode: 'store', store: s.store, secrets: [SECRET] });
    const sessionCookie = s.requestLike().header('cookie')!;
    const csrf = other.csrfToken(s.requestLike())!;
    const logout = other.routes.find((r) => r.method === 'POST' && r.path === '/auth/logout')!;
    const out = await logout.handle(
      new Request(`${APP}/auth/logout`, {
        method: 'POST',
        headers: {
          cookie: sessionCookie,
          origin: APP,
          'sec-fetch-site': 'same-origin',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `csrf=${csrf}`,
      }),
    );
    assert.equal(out.status, 303);
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
    const after = await s.login.authenticator.authenticate(s.requestLike());
    assert.equal(after.principal, null, 'refused by the promise path');
  });

  test('a refresh due, a touch due, or an expired session is left to the promise path', async () => {
    const s = signedIn({ rollingSeconds: 600 });
    await s.signIn();
    await s.authenticate();
    assert.ok(s.login.authenticator.authenticateSync!(s.requestLike()));
    s.clock.t += 61_000; // a tenth of the rolling window (at least a minute): touch due
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
    const touched = await s.authenticate();
    assert.ok(touched.principal);
    assert.ok(s.login.authenticator.authenticateSync!(s.requestLike()), 'trusted again after the touch');
    s.clock.t += 3_600_000 - 61_000 - 30_000; // within the refresh margin of the access token
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
    s.clock.t += 600_000 + 60_000; // past the rolling window
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
  });

  test('with a principal hook (it may do I/O) every request takes the promise path', async () => {
    const s = signedIn({ hook: async (p) => p });
    await s.signIn();
    await s.authenticate();
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
  });

  test('without a session cookie: no principal, no cookies, no promise', async () => {
    const s = signedIn();
    const out = s.login.authenticator.authenticateSync!(s.requestLike());
    assert.equal(out?.principal, null);
    assert.deepEqual(out?.setCookies, []);
  });

  test('cookie mode is left to the promise path', async () => {
    const s = setup('cookie');
    await s.signIn();
    assert.ok((await s.authenticate()).principal);
    assert.equal(s.login.authenticator.authenticateSync!(s.requestLike()), undefined);
  });
});
