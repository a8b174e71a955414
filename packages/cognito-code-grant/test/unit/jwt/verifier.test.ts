import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { definePool } from '../../../src/config/pool.ts';
import { type CognitoAuthErrorCode, hasErrorCode } from '../../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../../src/jwt/verifier.ts';
import { generateTestKeyPair } from '../../../src/testing/keys.ts';
import { base64url, createTestPool } from '../../../src/testing/tokens.ts';
import { fakeClock, fixture } from './helpers.ts';

const isCode = (code: CognitoAuthErrorCode) => (e: unknown) => hasErrorCode(e, code);

describe('verifier: happy paths', () => {
  test('verifies an access token (the default tokenUse)', async () => {
    const { test: tp, verifier, pool } = fixture();
    const v = await verifier.verify(tp.accessToken({ groups: ['staff'] }));
    assert.equal(v.tokenUse, 'access');
    assert.equal(v.pool, pool);
    assert.equal(v.claims.sub, '3f6c1b2e-8d4a-4c1f-9e7b-0a1b2c3d4e5f');
    assert.deepEqual(v.claims['cognito:groups'], ['staff']);
    assert.equal(verifier.verifySync(tp.accessToken()).tokenUse, 'access');
  });

  test('result and claims are deeply frozen', () => {
    const { test: tp, verifier } = fixture();
    const v = verifier.verifySync(tp.idToken({ groups: ['a'] }), { tokenUse: 'id' });
    assert.ok(Object.isFrozen(v));
    assert.ok(Object.isFrozen(v.claims));
    assert.ok(Object.isFrozen(v.claims['cognito:groups']));
    assert.throws(() => {
      (v.claims as Record<string, unknown>)['sub'] = 'x';
    }, TypeError);
  });

  test('ID token refused by default, accepted with tokenUse id or any', () => {
    const { test: tp, verifier } = fixture();
    const id = tp.idToken();
    assert.throws(() => verifier.verifySync(id), isCode('TOKEN_USE_INVALID'));
    assert.throws(() => verifier.verifySync(id, { tokenUse: 'access' }), isCode('TOKEN_USE_INVALID'));
    assert.equal(verifier.verifySync(id, { tokenUse: 'id' }).tokenUse, 'id');
    assert.equal(verifier.verifySync(id, { tokenUse: 'any' }).tokenUse, 'id');
    assert.throws(
      () => verifier.verifySync(tp.accessToken(), { tokenUse: 'id' }),
      isCode('TOKEN_USE_INVALID'),
    );
  });

  test('client-credentials token verifies as an access token', () => {
    const { test: tp, verifier } = fixture();
    const v = verifier.verifySync(tp.clientCredentialsToken());
    assert.equal(v.claims.sub, tp.clientId);
  });

  test('several pools: each token is checked against its own pool', () => {
    const a = createTestPool({ userPoolId: 'eu-west-1_PoolA' });
    const b = createTestPool({ userPoolId: 'us-east-1_PoolB', region: 'us-east-1' });
    const pa = definePool({ userPoolId: a.userPoolId, clientId: a.clientId });
    const pb = definePool({ userPoolId: b.userPoolId, clientId: b.clientId });
    const verifier = createCognitoVerifier({ pools: [pa, pb] });
    verifier.loadJwks(pa.issuer, a.jwks());
    verifier.loadJwks(pb.issuer, b.jwks());
    assert.equal(verifier.verifySync(a.accessToken()).pool, pa);
    assert.equal(verifier.verifySync(b.accessToken()).pool, pb);
    // B's claims signed with A's key: A's kid is not in B's JWKS
    assert.throws(
      () => verifier.verifySync(b.accessToken({}, { key: a.accessKey })),
      isCode('TOKEN_KID_UNKNOWN'),
    );
  });
});

describe('verifier: issuer before keys', () => {
  test('a token from a foreign pool is refused and its keys are never fetched', async () => {
    let fetches = 0;
    const foreign = createTestPool({ userPoolId: 'eu-west-1_Attacker' });
    const { verifier } = fixture({
      fetch: async () => {
        fetches++;
        return new Response('{}');
      },
    });
    await assert.rejects(verifier.verify(foreign.accessToken()), isCode('TOKEN_ISSUER_INVALID'));
    assert.throws(() => verifier.verifySync(foreign.accessToken()), isCode('TOKEN_ISSUER_INVALID'));
    assert.equal(fetches, 0);
  });

  test('iss must match exactly', () => {
    const { test: tp, verifier } = fixture();
    for (const iss of [
      `${tp.issuer}/`,
      tp.issuer.toUpperCase(),
      ` ${tp.issuer}`,
      tp.issuer.replace('https:', 'http:'),
      tp.issuer.replace('cognito-idp', 'issuer-cognito-idp'),
      [tp.issuer],
      undefined,
      null,
      42,
    ]) {
      assert.throws(
        () => verifier.verifySync(tp.accessToken({}, { claims: { iss } })),
        isCode('TOKEN_ISSUER_INVALID'),
      );
    }
  });
});

describe('verifier: signature', () => {
  test('a valid token with a character moved beyond ASCII (same low byte) is refused, not another spelling of it', async () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken();
    const [h, p, s] = token.split('.') as [string, string, string];
    // Node's base64 decoder and latin1 writer read U+0100 + c by its low byte, c: the same bytes.
    const shift = (segment: string, at: number) =>
      segment.slice(0, at) + String.fromCharCode(segment.charCodeAt(at) + 0x100) + segment.slice(at + 1);
    for (const forged of [
      `${h}.${shift(p, 3)}.${s}`,
      `${h}.${p}.${shift(s, 10)}`,
      `${shift(h, 2)}.${p}.${s}`,
    ]) {
      assert.throws(() => verifier.verifySync(forged), isCode('TOKEN_MALFORMED'));
      await assert.rejects(verifier.verify(forged), isCode('TOKEN_MALFORMED'));
    }
    verifier.verifySync(token);
    // Once the real token is cached (and its header known), the shifted spellings still miss.
    for (const forged of [`${h}.${shift(p, 3)}.${s}`, `${h}.${p}.${shift(s, 10)}`]) {
      assert.equal(verifier.verifyCached(forged), undefined);
      assert.throws(() => verifier.verifySync(forged), isCode('TOKEN_MALFORMED'));
    }
  });

  test('tampered payload, foreign key with our kid, truncated or padded signature are refused', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken();
    const [h, p, s] = token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${base64url(JSON.stringify({ ...claims, sub: 'admin' }))}.${s}`;
    assert.throws(() => verifier.verifySync(tampered), isCode('TOKEN_SIGNATURE_INVALID'));
    const impostor = generateTestKeyPair({ kid: tp.accessKey.kid });
    assert.throws(
      () => verifier.verifySync(tp.accessToken({}, { key: impostor })),
      isCode('TOKEN_SIGNATURE_INVALID'),
    );
    assert.throws(
      () => verifier.verifySync(`${h}.${p}.${s.slice(0, -2)}`),
      isCode('TOKEN_SIGNATURE_INVALID'),
    );
    assert.throws(() => verifier.verifySync(`${h}.${p}.${s}AAAA`), isCode('TOKEN_SIGNATURE_INVALID'));
    assert.throws(() => verifier.verifySync(`${h}.${p}.${s.slice(2)}`), isCode('TOKEN_SIGNATURE_INVALID'));
  });

  test('an ID-key-signed access token verifies (Cognito keys are looked up by kid only)', () => {
    const { test: tp, verifier } = fixture();
    assert.equal(verifier.verifySync(tp.accessToken({}, { key: tp.idKey })).tokenUse, 'access');
  });

  test('HS256 made with the public key as secret is refused', () => {
    const { test: tp, verifier } = fixture();
    const header = base64url(JSON.stringify({ kid: tp.accessKey.kid, alg: 'HS256' }));
    const body = tp.accessToken().split('.')[1]!;
    const secret = tp.accessKey.publicKey.export({ format: 'pem', type: 'spki' });
    const mac = createHmac('sha256', secret).update(`${header}.${body}`).digest('base64url');
    assert.throws(() => verifier.verifySync(`${header}.${body}.${mac}`), isCode('TOKEN_ALG_UNSUPPORTED'));
  });

  test('alg none is refused', () => {
    const { test: tp, verifier } = fixture();
    const header = base64url(JSON.stringify({ kid: tp.accessKey.kid, alg: 'none' }));
    const body = tp.accessToken().split('.')[1]!;
    assert.throws(() => verifier.verifySync(`${header}.${body}.`), isCode('TOKEN_ALG_UNSUPPORTED'));
    assert.throws(() => verifier.verifySync(`${header}.${body}.AAAA`), isCode('TOKEN_ALG_UNSUPPORTED'));
  });

  test('jku / x5u / jwk / x5c never supply a key', () => {
    const { test: tp, verifier } = fixture();
    const attacker = generateTestKeyPair();
    for (const header of [
      { jwk: attacker.jwk, kid: attacker.kid },
      { jku: 'https://evil.example/jwks.json', kid: attacker.kid },
      { x5u: 'https://evil.example/c.pem' },
      { x5c: ['MIIB'] },
    ]) {
      assert.throws(
        () => verifier.verifySync(tp.accessToken({}, { key: attacker, header })),
        isCode('TOKEN_HEADER_UNSUPPORTED'),
      );
    }
  });

  test('unknown kid: verifySync refuses without fetching; verify reports the failed fetch', async () => {
    const { test: tp, verifier } = fixture();
    const stranger = generateTestKeyPair();
    const token = tp.accessToken({}, { key: stranger });
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_KID_UNKNOWN'));
    await assert.rejects(verifier.verify(token), isCode('JWKS_FETCH_FAILED'));
    // within the cooldown: no second fetch, and still the reason (the JWKS could not be read)
    await assert.rejects(verifier.verify(token), isCode('JWKS_FETCH_FAILED'));
  });

  test('a JWKS key below 2048 bits, or with use enc / another alg, is unusable', () => {
    const { test: tp, verifier, pool } = fixture();
    const small = generateTestKeyPair({ modulusLength: 1024 });
    const enc = generateTestKeyPair();
    const rs512 = generateTestKeyPair();
    verifier.loadJwks(pool.issuer, {
      keys: [...tp.jwks().keys, small.jwk, { ...enc.jwk, use: 'enc' }, { ...rs512.jwk, alg: 'RS512' }],
    });
    for (const key of [small, enc, rs512]) {
      assert.throws(() => verifier.verifySync(tp.accessToken({}, { key })), isCode('JWKS_INVALID'));
    }
    assert.equal(verifier.verifySync(tp.accessToken()).tokenUse, 'access');
  });
});

describe('verifier: claim types', () => {
  const cases: Array<[string, Record<string, unknown>]> = [
    ['exp missing', { exp: undefined }],
    ['exp string', { exp: '9999999999' }],
    ['iat missing', { iat: undefined }],
    ['iat string', { iat: '1' }],
    ['nbf string', { nbf: '1' }],
    ['auth_time string', { auth_time: 'now' }],
    ['sub missing', { sub: undefined }],
    ['sub empty', { sub: '' }],
    ['sub number', { sub: 42 }],
    ['token_use missing', { token_use: undefined }],
    ['token_use refresh', { token_use: 'refresh' }],
    ['groups string', { 'cognito:groups': 'admins' }],
    ['groups with a number', { 'cognito:groups': ['admins', 1] }],
    ['groups with an object', { 'cognito:groups': [{ name: 'admins' }] }],
    ['scope array', { scope: ['openid'] }],
    ['client_id missing', { client_id: undefined }],
    ['client_id number', { client_id: 1 }],
  ];
  for (const [name, claims] of cases) {
    test(`access token: ${name} -> TOKEN_CLAIM_INVALID`, () => {
      const { test: tp, verifier } = fixture();
      assert.throws(() => verifier.verifySync(tp.accessToken({}, { claims })), isCode('TOKEN_CLAIM_INVALID'));
    });
  }
  test('ID token: aud must be a string', () => {
    const { test: tp, verifier } = fixture();
    for (const aud of [undefined, [tp.clientId], 1]) {
      assert.throws(
        () => verifier.verifySync(tp.idToken({}, { claims: { aud } }), { tokenUse: 'id' }),
        isCode('TOKEN_CLAIM_INVALID'),
      );
    }
  });
});

describe('verifier: time', () => {
  test('exp with the default 5 s skew', () => {
    const { test: tp, verifier, clock } = fixture();
    const token = tp.accessToken();
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    clock.t = exp * 1000 + 4000;
    assert.equal(verifier.verifySync(token).tokenUse, 'access');
    clock.t = exp * 1000 + 5000;
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_EXPIRED'));
  });

  test('skew 0 refuses at exp', () => {
    const { test: tp, verifier, clock } = fixture({ clockSkewSeconds: 0 });
    const token = tp.accessToken();
    clock.advance(3600 * 1000);
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_EXPIRED'));
  });

  test('nbf and iat in the future beyond the skew are refused', () => {
    const { test: tp, verifier, clock } = fixture();
    const now = Math.floor(clock.t / 1000);
    assert.equal(verifier.verifySync(tp.accessToken({}, { claims: { nbf: now + 5 } })).tokenUse, 'access');
    assert.throws(
      () => verifier.verifySync(tp.accessToken({}, { claims: { nbf: now + 6 } })),
      isCode('TOKEN_NOT_YET_VALID'),
    );
    assert.equal(verifier.verifySync(tp.accessToken({}, { claims: { iat: now + 5 } })).tokenUse, 'access');
    assert.throws(
      () => verifier.verifySync(tp.accessToken({}, { claims: { iat: now + 60 } })),
      isCode('TOKEN_NOT_YET_VALID'),
    );
  });

  test('clockSkewSeconds outside 0..60 is a config error', () => {
    const pool = definePool({ userPoolId: 'eu-west-1_Abc', clientId: 'c1' });
    for (const clockSkewSeconds of [61, -1, Number.NaN]) {
      assert.throws(() => createCognitoVerifier({ pools: pool, clockSkewSeconds }), isCode('CONFIG_INVALID'));
    }
    assert.throws(() => createCognitoVerifier({ pools: [] }), isCode('CONFIG_INVALID'));
    assert.throws(() => createCognitoVerifier({ pools: [pool, pool] }), isCode('CONFIG_INVALID'));
    assert.throws(() => createCognitoVerifier({ pools: pool, tokenCacheSize: -1 }), isCode('CONFIG_INVALID'));
    assert.throws(() => createCognitoVerifier({ pools: { issuer: 1 } as never }), isCode('CONFIG_INVALID'));
  });

  test('jwks.cooldownMs below 1000 ms (it would lift the refetch limit) is a config error', () => {
    const pool = definePool({ userPoolId: 'eu-west-1_Abc', clientId: 'c1' });
    for (const cooldownMs of [0, 999, -1, 1500.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => createCognitoVerifier({ pools: pool, jwks: { cooldownMs } }),
        isCode('CONFIG_INVALID'),
        String(cooldownMs),
      );
    }
    assert.ok(createCognitoVerifier({ pools: pool, jwks: { cooldownMs: 1000 } }));
  });

  test('signatureThread must be a boolean', () => {
    const pool = definePool({ userPoolId: 'eu-west-1_Abc', clientId: 'c1' });
    for (const signatureThread of ['yes', 1, null]) {
      assert.throws(
        () => createCognitoVerifier({ pools: pool, signatureThread: signatureThread as never }),
        isCode('CONFIG_INVALID'),
      );
    }
    assert.ok(createCognitoVerifier({ pools: pool, signatureThread: false }));
  });
});

describe('verifier: app client', () => {
  test('ID token aud and access token client_id must be a configured client', () => {
    const { test: tp, verifier } = fixture();
    assert.throws(
      () => verifier.verifySync(tp.idToken({}, { claims: { aud: 'otherclient' } }), { tokenUse: 'id' }),
      isCode('TOKEN_CLIENT_INVALID'),
    );
    assert.throws(
      () => verifier.verifySync(tp.accessToken({}, { claims: { client_id: 'otherclient' } })),
      isCode('TOKEN_CLIENT_INVALID'),
    );
  });

  test('access-token aud is a resource URL and plays no part in the client check', () => {
    const { test: tp, verifier } = fixture();
    assert.equal(
      verifier.verifySync(tp.accessToken({}, { claims: { aud: 'https://api.example.com' } })).tokenUse,
      'access',
    );
    assert.throws(
      () =>
        verifier.verifySync(tp.accessToken({}, { claims: { aud: tp.clientId, client_id: 'otherclient' } })),
      isCode('TOKEN_CLIENT_INVALID'),
    );
  });

  test('several clients, and per-call narrowing', () => {
    const { test: tp, verifier } = fixture({ clientIds: ['testclient1234567890abcdef', 'second'] });
    const second = tp.accessToken({}, { claims: { client_id: 'second' } });
    assert.equal(verifier.verifySync(second).claims.client_id, 'second');
    assert.equal(verifier.verifySync(second, { clientId: 'second' }).claims.client_id, 'second');
    assert.equal(verifier.verifySync(second, { clientId: ['x', 'second'] }).claims.client_id, 'second');
    assert.throws(
      () => verifier.verifySync(second, { clientId: tp.clientId }),
      isCode('TOKEN_CLIENT_INVALID'),
    );
    // narrowing can never widen past the pool's clients
    const third = tp.accessToken({}, { claims: { client_id: 'third' } });
    assert.throws(() => verifier.verifySync(third, { clientId: 'third' }), isCode('TOKEN_CLIENT_INVALID'));
  });
});

describe('verifier: verified-token cache', () => {
  test('a reused token returns the same frozen result', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken();
    assert.equal(verifier.verifySync(token), verifier.verifySync(token));
  });

  test('a hit reads the clock once, for the expiry and the JWKS age alike', async () => {
    const clock = fakeClock();
    let reads = 0;
    const { test: tp, verifier } = fixture({
      now: () => {
        reads++;
        return clock.now();
      },
    });
    const token = tp.accessToken();
    verifier.verifySync(token);
    for (const hit of [
      () => verifier.verifyCached(token),
      () => verifier.verifySync(token),
      () => verifier.verify(token),
    ]) {
      reads = 0;
      await hit();
      assert.equal(reads, 1);
    }
  });

  test('tokenCacheSize 0 disables the cache', () => {
    const { test: tp, verifier } = fixture({ tokenCacheSize: 0 });
    const token = tp.accessToken();
    assert.notEqual(verifier.verifySync(token), verifier.verifySync(token));
  });

  test('a hit re-checks exp against the clock', async () => {
    const { test: tp, verifier, clock } = fixture();
    const token = tp.accessToken();
    verifier.verifySync(token);
    clock.advance(3600 * 1000 + 5000);
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_EXPIRED'));
    await assert.rejects(verifier.verify(token), isCode('TOKEN_EXPIRED'));
  });

  test('a hit re-checks tokenUse and clientId of each call', () => {
    const { test: tp, verifier } = fixture();
    const id = tp.idToken();
    verifier.verifySync(id, { tokenUse: 'id' });
    assert.throws(() => verifier.verifySync(id), isCode('TOKEN_USE_INVALID'));
    const access = tp.accessToken();
    verifier.verifySync(access);
    assert.throws(
      () => verifier.verifySync(access, { clientId: 'someoneelse' }),
      isCode('TOKEN_CLIENT_INVALID'),
    );
  });

  test('a cached token whose key leaves the JWKS is dropped', () => {
    const { test: tp, verifier, pool } = fixture({ fresh: true });
    const token = tp.accessToken();
    verifier.verifySync(token);
    tp.rotateKeys();
    tp.retireOldKeys();
    verifier.loadJwks(pool.issuer, tp.jwks());
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_KID_UNKNOWN'));
    assert.equal(verifier.verifySync(tp.accessToken()).tokenUse, 'access');
  });

  test('the cache is bounded (oldest entry evicted first)', () => {
    const { test: tp, verifier } = fixture({ tokenCacheSize: 2 });
    const [a, b, c] = [
      tp.accessToken({ sub: 'a' }),
      tp.accessToken({ sub: 'b' }),
      tp.accessToken({ sub: 'c' }),
    ];
    const ra = verifier.verifySync(a);
    const rb = verifier.verifySync(b);
    verifier.verifySync(c);
    assert.equal(verifier.verifySync(b), rb);
    assert.notEqual(verifier.verifySync(a), ra);
  });

  test('verifyCached: undefined until verified, then the same result; expiry and options re-checked', () => {
    const { test: tp, verifier, clock } = fixture();
    const token = tp.accessToken();
    assert.equal(verifier.verifyCached(token), undefined);
    const verified = verifier.verifySync(token);
    // A new string with the same content (as each HTTP request brings) hits.
    assert.equal(verifier.verifyCached(Buffer.from(token).toString('latin1')), verified);
    assert.throws(() => verifier.verifyCached(token, { tokenUse: 'id' }), isCode('TOKEN_USE_INVALID'));
    assert.equal(verifier.verifyCached('x'.repeat(20_000)), undefined);
    clock.advance(3600 * 1000 + 5000);
    assert.throws(() => verifier.verifyCached(token), isCode('TOKEN_EXPIRED'));
    assert.equal(verifier.verifyCached(token), undefined);
  });

  test('a token ending like a cached one is a miss, verified in full', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken({ sub: 'real' });
    verifier.verifySync(token);
    // Same signature segment (so the same cache key), another payload: not the cached token.
    const [, , signature] = token.split('.');
    const [header, payload] = tp.accessToken({ sub: 'forged' }).split('.');
    const forged = `${header}.${payload}.${signature}`;
    assert.equal(verifier.verifyCached(forged), undefined);
    assert.throws(() => verifier.verifySync(forged), isCode('TOKEN_SIGNATURE_INVALID'));
    assert.equal(verifier.verifySync(token).claims.sub, 'real');
  });

  test('refused tokens are not cached', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken({}, { claims: { client_id: 'other' } });
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_CLIENT_INVALID'));
    assert.throws(() => verifier.verifySync(token), isCode('TOKEN_CLIENT_INVALID'));
  });
});

describe('verifier: limits, export and load', () => {
  test('maxTokenLength', () => {
    const { test: tp, verifier } = fixture({ maxTokenLength: 500 });
    assert.throws(() => verifier.verifySync(tp.accessToken()), isCode('TOKEN_TOO_LARGE'));
  });

  test('exportJwks / loadJwks carry keys to a new verifier (serverless cold start)', () => {
    const { test: tp, verifier, pool, clock } = fixture();
    const exported = verifier.exportJwks();
    assert.deepEqual(Object.keys(exported), [pool.issuer]);
    const fresh = createCognitoVerifier({
      pools: pool,
      now: clock.now,
      fetch: () => Promise.reject(new Error('offline')),
    });
    assert.deepEqual(fresh.exportJwks(), {});
    assert.throws(() => fresh.verifySync(tp.accessToken()), isCode('TOKEN_KID_UNKNOWN'));
    fresh.loadJwks(pool.issuer, JSON.parse(JSON.stringify(exported[pool.issuer])));
    assert.equal(fresh.verifySync(tp.accessToken()).tokenUse, 'access');
    assert.throws(
      () => fresh.loadJwks('https://other.example', exported[pool.issuer]),
      isCode('CONFIG_INVALID'),
    );
    assert.throws(() => fresh.loadJwks(pool.issuer, { nokeys: true }), isCode('JWKS_INVALID'));
  });

  test('errors never carry the token', () => {
    const { test: tp, verifier } = fixture();
    const token = tp.accessToken({}, { claims: { client_id: 'other' } });
    try {
      verifier.verifySync(token);
      assert.fail('should throw');
    } catch (e) {
      assert.ok(!String((e as Error).message).includes(token.split('.')[1]!.slice(0, 20)));
      assert.ok(!JSON.stringify(e).includes(token.slice(0, 30)));
    }
  });
});
