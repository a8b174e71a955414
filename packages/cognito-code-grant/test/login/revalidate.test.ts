/**
 * Store mode with `revalidateAfterMs`: a process trusts its own last read of a session within the
 * window (no store round trip), sees its own logout and refresh at once, and another process's
 * logout once the window has passed. The default (0) reads the store on every request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { createCognitoLogin } from '../../src/http/login/create-login.ts';
import type { SessionStore } from '../../src/session/store.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { APP, SECRET, setup } from './harness.ts';

// `replace` is left out: this store takes the port's fallback (get, then set) when a refresh saves.
type Counts = Record<
  Exclude<
    keyof SessionStore,
    'getMany' | 'inProcess' | 'replace' | 'subscribe' | 'denyOrigin' | 'deniedOrigins' | 'pollIntervalMs'
  >,
  number
>;

/** A store that counts calls per method (the harness clock is plugged in after setup). */
function countingStore(now: () => number): { store: SessionStore; calls: Counts } {
  const inner = createMemorySessionStore({ now });
  const calls: Counts = { get: 0, set: 0, delete: 0, touch: 0, acquireLease: 0, releaseLease: 0 };
  const count = <K extends keyof Counts>(k: K): SessionStore[K] =>
    ((...args: unknown[]) => {
      calls[k]++;
      return (inner[k] as (...a: unknown[]) => unknown)(...args);
    }) as SessionStore[K];
  const store: SessionStore = {
    get: count('get'),
    set: count('set'),
    delete: count('delete'),
    touch: count('touch'),
    acquireLease: count('acquireLease'),
    releaseLease: count('releaseLease'),
  };
  return { store, calls };
}

function twoProcesses(revalidateAfterMs: number) {
  let clock = { t: 0 };
  const now = () => clock.t;
  const { store, calls } = countingStore(now);
  const session = { mode: 'store' as const, store, secrets: [SECRET], revalidateAfterMs };
  const a = setup('store', { session, refreshPollMs: 5 });
  clock = a.clock;
  const b = createCognitoLogin({
    pool: a.fake.pool,
    appUrl: APP,
    session,
    fetch: a.fake.fetch,
    now,
    refreshPollMs: 5,
  });
  return { a, b, calls };
}

const FORM = {
  'content-type': 'application/x-www-form-urlencoded',
  origin: APP,
  'sec-fetch-site': 'same-origin',
};

describe('store mode revalidateAfterMs', () => {
  test('default 0: every authenticated request reads the store', async () => {
    const { a, calls } = twoProcesses(0);
    await a.signIn();
    calls.get = 0;
    for (let i = 0; i < 5; i++) assert.equal((await a.authenticate()).principal?.username, 'jdoe');
    assert.equal(calls.get, 5);
  });

  test('within the window a read is served without the store; after it the store is asked again', async () => {
    const { a, calls } = twoProcesses(1000);
    await a.signIn();
    calls.get = 0;
    for (let i = 0; i < 5; i++) assert.equal((await a.authenticate()).principal?.username, 'jdoe');
    assert.equal(calls.get, 0, 'the login itself is remembered');
    a.clock.t += 1000;
    assert.equal((await a.authenticate()).principal?.username, 'jdoe');
    assert.equal(calls.get, 1);
    a.clock.t += 999;
    assert.equal((await a.authenticate()).principal?.username, 'jdoe');
    assert.equal(calls.get, 1);
    // No writes on reads either (the rolling lifetime is extended lazily).
    assert.equal(calls.touch, 0);
    assert.equal(calls.set, 1);
  });

  test('a wrong secret for a remembered id is refused without the store', async () => {
    const { a, calls } = twoProcesses(1000);
    await a.signIn();
    const cookie = [...a.jar.cookies].find(([n]) => n.startsWith('__Host-ccg-session'))!;
    const [id] = cookie[1].value.split('.');
    const forged = `${cookie[0]}=${id}.${'A'.repeat(43)}`;
    calls.get = 0;
    const out = await a.login.authenticator.authenticate({
      method: 'GET',
      url: '/x',
      header: (n) => (n === 'cookie' ? forged : undefined),
    });
    assert.equal(out.principal, null);
    assert.equal(calls.get, 0);
  });

  test('a logout in this process evicts at once: the old cookie is refused immediately', async () => {
    const { a, calls } = twoProcesses(60_000);
    await a.signIn();
    assert.ok((await a.authenticate()).principal);
    const captured = a.jar.clone();
    const csrf = a.login.csrfToken(a.requestLike())!;
    const res = await a.call('POST', '/auth/logout', { headers: FORM, body: `csrf=${csrf}` });
    assert.equal(res.status, 303);
    assert.equal(calls.delete, 1);
    calls.get = 0;
    // Same instant, well inside the window.
    assert.equal((await a.login.authenticator.authenticate(a.requestLike(captured))).principal, null);
    assert.equal(calls.get, 1, 'the evicted session is looked up in the store, which no longer has it');
    assert.equal((await a.call('GET', '/auth/me', { jar: captured })).status, 401);
  });

  test('a store read in flight during a logout is not remembered afterwards', async () => {
    let clock = { t: 0 };
    const inner = createMemorySessionStore({ now: () => clock.t });
    // The next read (get or getMany) is held after it has read the record, until `release()`.
    let hold: { blocked: () => void; gate: Promise<void> } | undefined;
    const held = async <T>(read: Promise<T>): Promise<T> => {
      const result = await read;
      const h = hold;
      hold = undefined;
      if (h) {
        h.blocked();
        await h.gate;
      }
      return result;
    };
    const store: SessionStore = {
      ...inner,
      get: (idHash) => held(inner.get(idHash)),
      getMany: (idHashes, known) => held(inner.getMany!(idHashes, known)),
    };
    const a = setup('store', {
      session: { mode: 'store', store, secrets: [SECRET], revalidateAfterMs: 60_000 },
    });
    clock = a.clock;
    await a.signIn();
    const captured = a.jar.clone();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const blocked = new Promise<void>((resolve) => {
      hold = { blocked: resolve, gate };
    });
    // A second process that has not seen the session yet: its held read would fill its cache.
    const b = createCognitoLogin({
      pool: a.fake.pool,
      appUrl: APP,
      session: { mode: 'store', store, secrets: [SECRET], revalidateAfterMs: 60_000 },
      fetch: a.fake.fetch,
      now: () => clock.t,
    });
    const inFlight = b.authenticator.authenticate(a.requestLike(captured));
    await blocked;
    const cookie = a.requestLike(captured).header('cookie')!;
    const logout = b.routes.find((r) => r.path === '/auth/logout')!;
    const res = await logout.handle(
      new Request(`${APP}/auth/logout`, {
        method: 'POST',
        headers: { ...FORM, cookie },
        body: `csrf=${b.csrfToken(a.requestLike(captured))}`,
      }),
    );
    assert.equal(res.status, 303);
    release();
    assert.ok((await inFlight).principal, 'the request that started before the logout completes');
    assert.equal((await b.authenticator.authenticate(a.requestLike(captured))).principal, null);
  });

  test("another process's logout is seen once the window has passed (not before)", async () => {
    const { a, b } = twoProcesses(1000);
    await a.signIn();
    const captured = a.jar.clone();
    assert.ok((await b.authenticator.authenticate(a.requestLike(captured))).principal);
    // Process a logs out; process b still trusts its read for the rest of its window.
    const csrf = a.login.csrfToken(a.requestLike())!;
    assert.equal((await a.call('POST', '/auth/logout', { headers: FORM, body: `csrf=${csrf}` })).status, 303);
    assert.equal((await a.login.authenticator.authenticate(a.requestLike(captured))).principal, null);
    a.clock.t += 999;
    assert.ok(
      (await b.authenticator.authenticate(a.requestLike(captured))).principal,
      'documented trade-off: up to revalidateAfterMs',
    );
    a.clock.t += 1;
    assert.equal((await b.authenticator.authenticate(a.requestLike(captured))).principal, null);
  });

  test('with the default 0, another process sees a logout on the very next request', async () => {
    const { a, b } = twoProcesses(0);
    await a.signIn();
    const captured = a.jar.clone();
    assert.ok((await b.authenticator.authenticate(a.requestLike(captured))).principal);
    const csrf = a.login.csrfToken(a.requestLike())!;
    await a.call('POST', '/auth/logout', { headers: FORM, body: `csrf=${csrf}` });
    assert.equal((await b.authenticator.authenticate(a.requestLike(captured))).principal, null);
  });

  test('refresh stays single-flight across two processes; the result is remembered', async () => {
    const { a, b, calls } = twoProcesses(1000);
    await a.signIn();
    assert.ok((await b.authenticator.authenticate(a.requestLike())).principal);
    a.clock.t += 3600_000 + 1000;
    a.fake.delayMs = 30;
    const outs = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a.login : b).authenticator.authenticate(a.requestLike())),
    );
    assert.equal(a.fake.calls.refresh, 1);
    for (const o of outs) assert.ok(o.principal && o.principal.expiresAt * 1000 > a.clock.t);
    // Both processes now hold the refreshed session: no store read within the window.
    calls.get = 0;
    assert.ok((await a.authenticate()).principal);
    assert.ok((await b.authenticator.authenticate(a.requestLike())).principal);
    assert.equal(calls.get, 0);
  });

  test('the window never outlives the session: an expired session ends', async () => {
    const { a } = twoProcesses(60_000);
    await a.signIn();
    assert.ok((await a.authenticate()).principal);
    a.clock.t += 7 * 86_400_000 + 1;
    try {
      const out = await a.authenticate();
      assert.equal(out.principal, null);
    } catch (e) {
      assert.ok(hasErrorCode(e, 'SESSION_EXPIRED'), String(e));
    }
  });

  test('revalidateAfterMs and cacheSize are validated', () => {
    const store = createMemorySessionStore();
    for (const bad of [-1, 1.5, 60_001, Number.NaN]) {
      assert.throws(
        () =>
          setup('store', { session: { mode: 'store', store, secrets: [SECRET], revalidateAfterMs: bad } }),
        (e) => hasErrorCode(e, 'CONFIG_INVALID'),
      );
    }
    assert.throws(
      () => setup('store', { session: { mode: 'store', store, secrets: [SECRET], cacheSize: -1 } }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID'),
    );
  });
});
