import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definePool } from '../../../src/config/pool.ts';
import { type CognitoAuthErrorCode, hasErrorCode } from '../../../src/errors/errors.ts';
import { JwksCache } from '../../../src/jwks/cache.ts';
import { createCognitoVerifier } from '../../../src/jwt/verifier.ts';
import { generateTestKeyPair } from '../../../src/testing/keys.ts';
import { createTestPool } from '../../../src/testing/tokens.ts';
import { type JwksServer, fakeClock, serveJson, startJwksServer } from '../jwt/helpers.ts';

const isCode = (code: CognitoAuthErrorCode) => (e: unknown) => hasErrorCode(e, code);

describe('JWKS over HTTP (local server)', () => {
  let server: JwksServer;
  before(async () => {
    server = await startJwksServer(serveJson({ keys: [] }));
  });
  after(() => server.close());

  // Key generation is slow: one shared test pool, except where a test rotates keys.
  let clock = fakeClock();
  const shared = createTestPool({ now: () => clock.now() });
  function setup(
    jwks: { timeoutMs?: number; maxBytes?: number; cooldownMs?: number; maxAgeMs?: number } = {},
    fresh = false,
  ) {
    clock = fakeClock();
    const tp = fresh ? createTestPool({ now: clock.now }) : shared;
    server.requests = 0;
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(tp.jwks()));
    };
    const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
    const verifier = createCognitoVerifier({ pools: pool, now: clock.now, jwks });
    return { clock, tp, pool, verifier };
  }

  test('first verify fetches the JWKS; concurrent verifies share one fetch', async () => {
    const { tp, verifier } = setup();
    const tokens = Array.from({ length: 20 }, (_, i) => tp.accessToken({ sub: `u${i}` }));
    const results = await Promise.all(tokens.map((t) => verifier.verify(t)));
    assert.equal(results.length, 20);
    assert.equal(server.requests, 1);
    // afterwards verifySync works from the cache
    assert.equal(verifier.verifySync(tp.accessToken()).tokenUse, 'access');
    assert.equal(server.requests, 1);
  });

  test('preload fetches once; a rotated key is picked up without a restart', async () => {
    const { tp, verifier, clock } = setup({}, true);
    await verifier.preload();
    assert.equal(server.requests, 1);
    const oldToken = tp.accessToken();
    tp.rotateKeys();
    const newToken = tp.accessToken();
    clock.advance(10_000);
    assert.equal((await verifier.verify(newToken)).tokenUse, 'access');
    assert.equal(server.requests, 2);
    assert.equal((await verifier.verify(oldToken)).tokenUse, 'access');
    // old keys retired: tokens they signed are refused after the next refetch
    tp.retireOldKeys();
    tp.rotateKeys();
    clock.advance(10_000);
    await verifier.verify(tp.accessToken());
    await assert.rejects(verifier.verify(oldToken), isCode('TOKEN_KID_UNKNOWN'));
  });

  test('a key rotated in just after a fetch is fetched at once; a miss blocks refetches for the cooldown', async () => {
    const { tp, verifier, clock } = setup({}, true);
    await verifier.preload();
    tp.rotateKeys();
    // No cooldown after a successful fetch: the new key is fetched now, not 10 s later.
    assert.equal((await verifier.verify(tp.accessToken())).tokenUse, 'access');
    assert.equal(server.requests, 2);
    const stranger = generateTestKeyPair();
    const unknown = tp.accessToken({}, { key: stranger, header: { kid: 'not-published' } });
    await assert.rejects(verifier.verify(unknown), isCode('TOKEN_KID_UNKNOWN'));
    assert.equal(server.requests, 3);
    tp.rotateKeys();
    const newer = tp.accessToken();
    await assert.rejects(verifier.verify(newer), isCode('TOKEN_KID_UNKNOWN'), 'in the penalty box');
    assert.equal(server.requests, 3);
    clock.advance(10_000);
    assert.equal((await verifier.verify(newer)).tokenUse, 'access');
    assert.equal(server.requests, 4);
  });

  // The timeout only guards against a refetch that never starts (the test would wait forever).
  test('keys older than maxAgeMs are refetched in the background; a removed key stops verifying', {
    timeout: 30_000,
  }, async () => {
    const { tp, verifier, clock } = setup({ maxAgeMs: 60_000 }, true);
    const answer = server.handler;
    let refetch!: () => void;
    const refetched = new Promise<void>((r) => {
      refetch = r;
    });
    server.handler = (req, res) => {
      if (server.requests >= 2) refetch();
      answer(req, res);
    };
    const token = tp.accessToken();
    assert.equal((await verifier.verify(token)).tokenUse, 'access');
    assert.equal(server.requests, 1);
    // The key that signed `token` leaves the JWKS.
    tp.rotateKeys();
    tp.retireOldKeys();
    clock.advance(59_000);
    assert.equal((await verifier.verify(token)).tokenUse, 'access', 'young keys: no refetch');
    assert.equal(server.requests, 1);
    clock.advance(2_000);
    // This call starts the refetch and is answered from the cache meanwhile.
    await verifier.verify(token).catch(() => undefined);
    await refetched;
    await verifier.preload(); // joins the refetch in flight
    assert.equal(server.requests, 2);
    await assert.rejects(
      verifier.verify(token),
      isCode('TOKEN_KID_UNKNOWN'),
      'cached token dropped with its key',
    );
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_KID_UNKNOWN'));
  });

  test("the adapters' fast path (verifyCached) also refetches old keys: a hot cache does not keep a removed key alive", {
    timeout: 30_000,
  }, async () => {
    const { tp, verifier, clock } = setup({ maxAgeMs: 60_000 }, true);
    const answer = server.handler;
    let refetch!: () => void;
    const refetched = new Promise<void>((r) => {
      refetch = r;
    });
    server.handler = (req, res) => {
      if (server.requests >= 2) refetch();
      answer(req, res);
    };
    const token = tp.accessToken();
    await verifier.verify(token);
    tp.rotateKeys();
    tp.retireOldKeys();
    clock.advance(61_000);
    // Only cache hits from now on, as a busy API with one reused token sees.
    assert.equal(verifier.verifyCached(token)?.tokenUse, 'access');
    await refetched; // the hit started the refetch
    await verifier.preload(); // joins it
    assert.equal(server.requests, 2);
    assert.equal(verifier.verifyCached(token), undefined);
  });

  test('a flood of 1000 random unknown kids causes at most one fetch per cooldown window', async () => {
    const { tp, verifier, clock } = setup();
    await verifier.preload();
    const strangers = Array.from({ length: 4 }, () => generateTestKeyPair());
    const flood = Array.from({ length: 1000 }, (_, i) =>
      tp.accessToken({}, { key: strangers[i % 4]!, header: { kid: `random-${i}-${Math.random()}` } }),
    );
    // all at once, clock frozen: at most one refetch
    const settled = await Promise.allSettled(flood.map((t) => verifier.verify(t)));
    assert.ok(settled.every((r) => r.status === 'rejected' && hasErrorCode(r.reason, 'TOKEN_KID_UNKNOWN')));
    assert.ok(server.requests <= 2, `requests: ${server.requests}`);
    // one after the other over 25 s of fake time: at most one fetch per 10 s window
    const before = server.requests;
    for (const token of flood) {
      clock.advance(25);
      await assert.rejects(verifier.verify(token), isCode('TOKEN_KID_UNKNOWN'));
    }
    assert.ok(server.requests - before <= 3, `requests: ${server.requests - before}`);
    // genuine tokens still verify throughout
    assert.equal((await verifier.verify(tp.accessToken())).tokenUse, 'access');
  });

  test('a slow response times out', async () => {
    const { tp, verifier } = setup({ timeoutMs: 100 });
    server.handler = () => {}; // never answers
    await assert.rejects(verifier.verify(tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
  });

  test('a connection reset before the answer is retried once, at once; twice is a failure', async () => {
    const { tp, verifier } = setup();
    const answer = server.handler;
    let resets = 1;
    server.handler = (req, res) => {
      // What a pooled keep-alive socket closed by the server looks like to the client.
      if (resets-- > 0) req.socket.destroy();
      else answer(req, res);
    };
    assert.equal((await verifier.verify(tp.accessToken({ sub: 'reset-ok' }))).claims.sub, 'reset-ok');
    assert.equal(server.requests, 2);

    const other = setup({}, false);
    server.handler = (req) => req.socket.destroy();
    await assert.rejects(other.verifier.verify(other.tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
    assert.equal(server.requests, 2, 'one retry, not a loop');
  });

  test('a slow body times out too', async () => {
    const { tp, verifier } = setup({ timeoutMs: 100 });
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":[');
    };
    await assert.rejects(verifier.verify(tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
  });

  test('a huge response is refused (declared length and streamed)', async () => {
    const { tp, verifier, clock } = setup({ maxBytes: 4096 });
    const padding = { keys: tp.jwks().keys, pad: 'x'.repeat(10_000) };
    server.handler = serveJson(padding);
    await assert.rejects(verifier.verify(tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }); // chunked, no content-length
      res.write('{"keys":[], "pad":"');
      for (let i = 0; i < 10; i++) res.write('y'.repeat(1000));
      res.end('"}');
    };
    clock.advance(10_000);
    await assert.rejects(verifier.verify(tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
  });

  test('a redirect is refused and not followed', async () => {
    const { tp, verifier } = setup();
    const good = server.handler;
    let followed = false;
    server.handler = (req, res) => {
      if (req.url === '/elsewhere') {
        followed = true;
        return good(req, res);
      }
      res.writeHead(302, { location: '/elsewhere' });
      res.end();
    };
    await assert.rejects(verifier.verify(tp.accessToken()), isCode('JWKS_FETCH_FAILED'));
    assert.equal(followed, false);
  });

  test('HTTP 500 (and 404) keeps the keys already cached', async () => {
    const { tp, verifier, clock } = setup();
    await verifier.preload();
    const before = verifier.exportJwks();
    server.handler = serveJson({ error: 'boom' }, 500);
    clock.advance(10_000);
    const stranger = generateTestKeyPair();
    await assert.rejects(verifier.verify(tp.accessToken({}, { key: stranger })), isCode('JWKS_FETCH_FAILED'));
    assert.deepEqual(verifier.exportJwks(), before);
    assert.equal((await verifier.verify(tp.accessToken())).tokenUse, 'access');
    server.handler = serveJson({}, 404);
    await assert.rejects(verifier.preload(), isCode('JWKS_FETCH_FAILED'));
    assert.deepEqual(verifier.exportJwks(), before);
  });

  test('a body that is not a JWKS is JWKS_INVALID and keeps the keys', async () => {
    const { tp, verifier, clock } = setup();
    await verifier.preload();
    server.handler = (_req, res) => {
      res.writeHead(200);
      res.end('<html>');
    };
    clock.advance(10_000);
    await assert.rejects(verifier.preload(), isCode('JWKS_INVALID'));
    server.handler = serveJson({ keys: 'nope' });
    await assert.rejects(verifier.preload(), isCode('JWKS_INVALID'));
    assert.equal((await verifier.verify(tp.accessToken())).tokenUse, 'access');
  });
});

describe('JwksCache (injected fetch)', () => {
  const tp = createTestPool();
  const jsonResponse = (body: unknown) => new Response(JSON.stringify(body), { status: 200 });

  test('observable state: kids, lastFetchAt, fetchCount, export/load', async () => {
    const clock = fakeClock();
    let calls = 0;
    const cache = new JwksCache({
      jwksUri: 'https://example.test/jwks.json',
      now: clock.now,
      fetch: async () => {
        calls++;
        return jsonResponse(tp.jwks());
      },
    });
    assert.equal(cache.lastFetchAt, undefined);
    assert.deepEqual(cache.kids(), []);
    await cache.preload();
    assert.equal(cache.fetchCount, 1);
    assert.equal(calls, 1);
    assert.equal(cache.lastFetchAt, clock.t);
    assert.deepEqual(cache.kids().sort(), [tp.idKey.kid, tp.accessKey.kid].sort());
    const key = await cache.getKey(tp.accessKey.kid);
    assert.equal(key.modulusBytes, 256);
    assert.equal(await cache.getKey(tp.accessKey.kid), key); // prepared once
    assert.equal(cache.fetchCount, 1);
    const other = new JwksCache({
      jwksUri: 'https://example.test/jwks.json',
      fetch: () => Promise.reject(new Error()),
    });
    other.load(cache.export());
    assert.deepEqual(other.kids().sort(), cache.kids().sort());
  });

  test('a refetch with unchanged keys keeps the same KeyObjects; removed kids notify listeners', async () => {
    const clock = fakeClock();
    let doc: unknown = tp.jwks();
    const cache = new JwksCache({
      jwksUri: 'https://example.test/jwks.json',
      now: clock.now,
      fetch: async () => jsonResponse(doc),
    });
    const removed: string[][] = [];
    const off = cache.onKeysRemoved((kids) => removed.push([...kids]));
    await cache.preload();
    const k1 = cache.getCached(tp.accessKey.kid);
    await cache.preload();
    assert.equal(cache.getCached(tp.accessKey.kid), k1);
    assert.deepEqual(removed, []);
    doc = { keys: [tp.idKey.jwk] };
    await cache.preload();
    assert.deepEqual(removed, [[tp.accessKey.kid]]);
    off();
    doc = { keys: [tp.accessKey.jwk] };
    await cache.preload();
    assert.equal(removed.length, 1);
  });

  test('kid is a plain string key: __proto__, toString and similar are just unknown', async () => {
    const cache = new JwksCache({
      jwksUri: 'https://example.test/jwks.json',
      cooldownMs: 60_000,
      fetch: async () => jsonResponse(tp.jwks()),
    });
    await cache.preload();
    for (const kid of ['__proto__', 'constructor', 'toString', 'hasOwnProperty']) {
      assert.equal(cache.getCached(kid), undefined);
      await assert.rejects(cache.getKey(kid), isCode('TOKEN_KID_UNKNOWN'));
    }
    assert.equal(cache.fetchCount, 2, 'one refetch for the first unknown kid, then the cooldown');
  });

  test('a kid published twice is unusable', async () => {
    const twin = generateTestKeyPair({ kid: tp.accessKey.kid });
    const cache = new JwksCache({ jwksUri: 'https://example.test/jwks.json' });
    cache.load({ keys: [tp.accessKey.jwk, twin.jwk, tp.idKey.jwk] });
    assert.throws(() => cache.getCached(tp.accessKey.kid), isCode('JWKS_INVALID'));
    assert.ok(cache.getCached(tp.idKey.kid));
  });

  test('JWK checks: kty, use, alg, n/e, size, private material', () => {
    const k = generateTestKeyPair();
    const bad: Array<Record<string, unknown>> = [
      { ...k.jwk, kty: 'EC' },
      { ...k.jwk, use: 'enc' },
      { ...k.jwk, alg: 'RS384' },
      { ...k.jwk, n: undefined },
      { ...k.jwk, e: undefined },
      { ...k.jwk, n: 'not base64url!' },
      { ...k.jwk, d: 'secret' },
      { ...generateTestKeyPair({ modulusLength: 1024 }).jwk, kid: k.kid },
    ];
    for (const jwk of bad) {
      const cache = new JwksCache({ jwksUri: 'https://example.test/jwks.json' });
      // Beside a usable key: a document with no usable key at all is refused whole.
      cache.load({ keys: [jwk, tp.idKey.jwk] });
      assert.throws(() => cache.getCached(k.kid), isCode('JWKS_INVALID'), JSON.stringify(jwk).slice(0, 60));
    }
    const ok = new JwksCache({ jwksUri: 'https://example.test/jwks.json' });
    const { alg: _a, use: _u, ...minimal } = k.jwk;
    ok.load({ keys: [minimal, 'garbage', null] });
    assert.ok(ok.getCached(k.kid));
  });

  test('a cooldown below 1000 ms is refused; an unknown-kid flood fetches once per cooldown', async () => {
    for (const cooldownMs of [0, 999, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new JwksCache({ jwksUri: 'https://example.test/jwks.json', cooldownMs }),
        isCode('CONFIG_INVALID'),
        String(cooldownMs),
      );
    }
    const clock = fakeClock();
    const cache = new JwksCache({
      jwksUri: 'https://example.test/jwks.json',
      now: clock.now,
      cooldownMs: 1000,
      fetch: async () => jsonResponse(tp.jwks()),
    });
    for (let i = 0; i < 5; i++) await assert.rejects(cache.getKey(`k${i}`), isCode('TOKEN_KID_UNKNOWN'));
    assert.equal(cache.fetchCount, 1);
    clock.advance(1000);
    await assert.rejects(cache.getKey('again'), isCode('TOKEN_KID_UNKNOWN'));
    assert.equal(cache.fetchCount, 2);
  });
});
