/**
 * Store mode's per-process cache of decoded sessions: repeated requests on a record that has not
 * changed cost no parse and no decryption, while the secret is still checked on every request and
 * a record changed or deleted by another process is noticed on the next request (revalidate 0).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Principal } from '../../src/principal/principal.ts';
import { type Cookies, type SessionBackend, createStoreBackend } from '../../src/session/backends.ts';
import type { SessionState } from '../../src/session/session-data.ts';
import {
  createSessionToken,
  hashSessionSecret,
  secretHexDigest,
  sessionSecretMatchesHexDigest,
} from '../../src/session/session-id.ts';
import { type Remembered, SessionCache } from '../../src/session/session-cache.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';

const T0 = 1_700_000_000_000;
const COOKIE = 'ccg-test-session';
const lifetimes = { rollingMs: 3_600_000, absoluteMs: 86_400_000 };

function principal(sub: string): Principal {
  return {
    sub,
    username: sub,
    email: undefined,
    emailVerified: undefined,
    groups: [],
    scopes: [],
    tokenUse: 'access',
    clientId: 'client',
    isMachine: false,
    issuer: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_test',
    userPoolId: 'eu-west-1_test',
    expiresAt: T0 / 1000 + 3600,
    source: 'session',
    claims: {} as Principal['claims'],
  };
}

function partial(sub: string): Omit<SessionState, 'sid'> {
  return {
    principal: principal(sub),
    accessToken: `at-${sub}`,
    refreshToken: `rt-${sub}`,
    accessExpiresAt: T0 / 1000 + 3600,
    createdAt: T0,
    absoluteExpiresAt: T0 + lifetimes.absoluteMs,
    seenAt: T0,
  };
}

/** The Cookie map a browser would send back after `setCookies`. */
function jar(setCookies: readonly string[]): Cookies {
  const first = setCookies[0]!.split(';')[0]!;
  const eq = first.indexOf('=');
  return new Map([[first.slice(0, eq), first.slice(eq + 1)]]);
}

/** Counts JSON.parse calls (a record is parsed once for its header, once for the session). */
function countParses(): { readonly count: () => number; readonly restore: () => void } {
  const original = JSON.parse;
  let n = 0;
  JSON.parse = ((...args: Parameters<typeof JSON.parse>) => {
    n++;
    return original(...args);
  }) as typeof JSON.parse;
  return {
    count: () => n,
    restore: () => {
      JSON.parse = original;
    },
  };
}

test('sessionSecretMatchesHexDigest: only the secret whose hash is stored matches', () => {
  const t = createSessionToken();
  const digest = secretHexDigest(hashSessionSecret(t.secret));
  assert.equal(digest.length, 64);
  assert.ok(sessionSecretMatchesHexDigest(t.secret, digest));
  assert.ok(!sessionSecretMatchesHexDigest(createSessionToken().secret, digest));
  assert.equal(secretHexDigest('not-a-digest').length, 0);
  assert.ok(!sessionSecretMatchesHexDigest(t.secret, Buffer.alloc(0)));
});

describe('store backend cache of decoded sessions', () => {
  let clock = T0;
  const now = () => clock;
  let store: ReturnType<typeof createMemorySessionStore>;
  const backend = (cacheSize?: number): SessionBackend =>
    createStoreBackend({
      cookieName: COOKIE,
      attributes: { path: '/', domain: undefined, secure: true, httpOnly: true, sameSite: 'Lax' },
      lifetimes,
      random: (n) => randomBytes(n),
      now,
      store,
      revalidateAfterMs: 0,
      ...(cacheSize === undefined ? {} : { cacheSize }),
    });
  let parses: ReturnType<typeof countParses> | undefined;

  beforeEach(() => {
    clock = T0;
    store = createMemorySessionStore({ now });
  });
  afterEach(() => parses?.restore());

  test('an unchanged record is parsed and decrypted once, then served from the cache', async () => {
    const writer = backend();
    const reader = backend(); // another process sharing the store
    const created = await writer.create(partial('alice'), new Map(), T0);
    const cookies = jar(created.setCookies);

    parses = countParses();
    const first = await reader.read(cookies);
    assert.equal(first?.state.accessToken, 'at-alice');
    assert.ok(parses.count() >= 1, 'the first read of this process opens the record');
    const afterFirst = parses.count();
    for (let i = 0; i < 20; i++) {
      const again = await reader.read(cookies);
      assert.equal(again?.state, first?.state, 'the same decoded session, not a re-built one');
      assert.equal(again?.state.principal, first?.state.principal);
    }
    assert.equal(parses.count(), afterFirst, 'no parse (hence no decryption) for an unchanged record');
  });

  test('the secret is checked on every request, cached record or not', async () => {
    const b = backend();
    const created = await b.create(partial('bob'), new Map(), T0);
    const cookies = jar(created.setCookies);
    assert.ok(await b.read(cookies));
    const [name, value] = [...cookies][0]!;
    const [id, secret] = value.split('.') as [string, string];
    const forged = `${secret.slice(0, -1)}${secret.endsWith('A') ? 'B' : 'A'}`;
    assert.equal(await b.read(new Map([[name, `${id}.${forged}`]])), undefined);
    assert.ok(await b.read(cookies), 'the real cookie still works');
  });

  test('a record changed or deleted elsewhere is seen on the next request', async () => {
    const writer = backend();
    const reader = backend();
    const created = await writer.create(partial('carol'), new Map(), T0);
    const cookies = jar(created.setCookies);
    const before = await reader.read(cookies);
    assert.equal(before?.state.accessToken, 'at-carol');

    await writer.save({ ...created.state, accessToken: 'at-carol-2' }, cookies, T0);
    parses = countParses();
    const after = await reader.read(cookies);
    assert.equal(after?.state.accessToken, 'at-carol-2');
    assert.ok(parses.count() >= 1, 'a changed record is opened again');

    await writer.destroy(created.state, cookies);
    assert.equal(await reader.read(cookies), undefined, 'logout elsewhere is seen at once');
  });

  test('the cache is bounded: an evicted session is opened again', async () => {
    const b = backend(2);
    const jars: Cookies[] = [];
    for (const sub of ['d1', 'd2', 'd3'])
      jars.push(jar((await b.create(partial(sub), new Map(), T0)).setCookies));
    parses = countParses();
    assert.ok(await b.read(jars[2]!));
    assert.ok(await b.read(jars[1]!));
    assert.equal(parses.count(), 0, 'the two most recent sessions are cached');
    assert.equal((await b.read(jars[0]!))?.state.accessToken, 'at-d1');
    assert.ok(parses.count() >= 1, 'the oldest was evicted and is opened again');
  });

  test('with a versioned store the steady read asks for the version only, and a change is still seen', async () => {
    const answers: string[] = [];
    const inner = store;
    store = {
      ...inner,
      inProcess: false, // read as a networked store is: gathered, with versions
      getMany: async (ids, known) => {
        const got = await inner.getMany!(ids, known);
        for (const r of got) answers.push(r === undefined ? 'none' : 'unchanged' in r ? 'unchanged' : 'data');
        return got;
      },
    };
    const writer = backend();
    const reader = backend();
    const created = await writer.create(partial('erin'), new Map(), T0);
    const cookies = jar(created.setCookies);
    for (let i = 0; i < 3; i++) assert.equal((await reader.read(cookies))?.state.accessToken, 'at-erin');
    assert.deepEqual(answers, ['data', 'unchanged', 'unchanged'], 'the data is sent once');

    await writer.save({ ...created.state, accessToken: 'at-erin-2' }, cookies, T0);
    assert.equal((await reader.read(cookies))?.state.accessToken, 'at-erin-2');
    assert.equal((await reader.read(cookies))?.state.accessToken, 'at-erin-2');
    assert.deepEqual(answers.slice(3), ['data', 'unchanged']);

    await writer.destroy(created.state, cookies);
    assert.equal(await reader.read(cookies), undefined, 'logout elsewhere is seen at once');
    assert.equal(answers.at(-1), 'none');
  });
});

describe('SessionCache: bounded, second-chance eviction', () => {
  const entry = (idHash: string) => ({ idHash }) as Remembered;

  test('never holds more than its bound; an entry used since it was stored outlives an unused older one', () => {
    const cache = new SessionCache(3);
    for (const id of ['a', 'b', 'c']) cache.set(id, entry(`h-${id}`));
    assert.ok(cache.get('a'), 'a is used');
    cache.set('d', entry('h-d'));
    assert.equal(cache.get('b'), undefined, 'b, the oldest unused, went first');
    assert.ok(cache.get('a') && cache.get('c') && cache.get('d'));
    // All used: each gets its second chance, then the oldest of the pass goes.
    cache.set('e', entry('h-e'));
    const kept = ['a', 'c', 'd', 'e'].filter((id) => cache.get(id) !== undefined);
    assert.equal(kept.length, 3);
    assert.ok(kept.includes('e'), 'the newest is kept');
  });

  test('a push message (by store key) drops the entry wherever it stands; a replaced entry is found by its key too', () => {
    const cache = new SessionCache(2);
    cache.set('a', entry('h-a'));
    cache.set('a', entry('h-a'));
    cache.set('b', entry('h-b'));
    cache.deleteByHash('h-a');
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b'));
    cache.set('c', entry('h-c'));
    cache.set('d', entry('h-d'));
    cache.deleteByHash('h-b');
    cache.deleteByHash('h-c');
    cache.deleteByHash('h-d');
    for (const id of ['b', 'c', 'd']) assert.equal(cache.get(id), undefined);
  });

  test('size 0 remembers nothing', () => {
    const cache = new SessionCache(0);
    cache.set('a', entry('h-a'));
    assert.equal(cache.get('a'), undefined);
  });
});
