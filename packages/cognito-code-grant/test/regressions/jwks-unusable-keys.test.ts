/**
 * Issue 13, finding 1: a `200` JWKS answer whose `keys` holds no usable key replaced the cached
 * keys with nothing and purged every verified token, so every bearer request got 401 until a
 * later fetch succeeded. Such a document is an invalid JWKS: old keys and verified tokens are
 * kept, the cooldown of a failed fetch applies, and the operator is told once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definePool } from '../../src/config/pool.ts';
import { type CognitoAuthError, hasErrorCode } from '../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { generateTestKeyPair, jwksOf } from '../../src/testing/keys.ts';
import { createTestPool } from '../../src/testing/tokens.ts';
import { type JwksServer, fakeClock, serveJson, startJwksServer } from '../unit/jwt/helpers.ts';

const ec = {
  kid: 'ec1',
  kty: 'EC',
  crv: 'P-256',
  x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
  y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
};

describe('a JWKS answer without a usable key keeps the cached keys', () => {
  let server: JwksServer;
  const clock = fakeClock();
  const tp = createTestPool({ now: () => clock.now() });
  const encOnly = jwksOf(tp.accessKey).keys.map((k) => ({ ...k, use: 'enc' }));
  const cases: Record<string, unknown> = {
    'junk entries': { keys: ['a', 1, null] },
    'no keys': { keys: [] },
    'only non-RSA keys': { keys: [ec] },
    'only use "enc" keys': { keys: encOnly },
  };
  before(async () => {
    server = await startJwksServer(serveJson(tp.jwks()));
  });
  after(() => server.close());

  for (const [name, document] of Object.entries(cases)) {
    test(name, async () => {
      server.handler = serveJson(tp.jwks());
      const reported: CognitoAuthError[] = [];
      const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
      const verifier = createCognitoVerifier({
        pools: pool,
        now: clock.now,
        jwks: { maxAgeMs: 60_000, cooldownMs: 10_000 },
        onJwksError: (error) => reported.push(error),
      });
      const token = tp.accessToken();
      await verifier.verify(token);
      const fetchesBefore = server.requests;

      server.handler = serveJson(document);
      clock.advance(61_000);
      // The background refetch (keys older than maxAgeMs) gets the broken document.
      await verifier.verify(token);
      await verifier.preload().catch(() => {});
      const afterBroken = server.requests;
      assert.ok(afterBroken > fetchesBefore, 'the broken document was fetched');

      // The cached verified token and the keys still serve: a fresh token too.
      assert.equal(verifier.verifySync(token).tokenUse, 'access');
      assert.equal(verifier.verifySync(tp.accessToken({ sub: 'other' })).tokenUse, 'access');
      assert.equal(verifier.exportJwks()[pool.issuer] !== undefined, true);

      // Reported once, as JWKS_INVALID.
      assert.equal(reported.length, 1);
      assert.ok(hasErrorCode(reported[0], 'JWKS_INVALID'));

      // The cooldown of a failed fetch applies: an unknown kid does not refetch at once.
      const stranger = tp.accessToken({}, { header: { kid: 'not-published' } });
      await assert.rejects(verifier.verify(stranger), (e) => hasErrorCode(e, 'JWKS_INVALID'));
      assert.equal(server.requests, afterBroken);
      assert.equal(reported.length, 1, 'not reported again within the cooldown');
    });
  }

  test('loadJwks of a document without a usable key throws and keeps the keys', () => {
    const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
    const verifier = createCognitoVerifier({ pools: pool, now: clock.now, onJwksError: () => {} });
    verifier.loadJwks(pool.issuer, tp.jwks());
    const token = tp.accessToken();
    verifier.verifySync(token);
    assert.throws(
      () => verifier.loadJwks(pool.issuer, { keys: [] }),
      (e) => hasErrorCode(e, 'JWKS_INVALID'),
    );
    assert.equal(verifier.verifySync(token).tokenUse, 'access');
    assert.equal(verifier.verifySync(tp.accessToken({ sub: 'x' })).tokenUse, 'access');
  });

  test('usable keys beside junk entries are kept, the junk ignored', async () => {
    const spare = generateTestKeyPair();
    server.handler = serveJson({
      keys: ['a', 1, null, ec, ...tp.jwks().keys, { ...jwksOf(spare).keys[0], use: 'enc' }],
    });
    const reported: unknown[] = [];
    const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
    const verifier = createCognitoVerifier({
      pools: pool,
      now: clock.now,
      onJwksError: (e) => reported.push(e),
    });
    assert.equal((await verifier.verify(tp.accessToken())).tokenUse, 'access');
    assert.equal((await verifier.verify(tp.idToken(), { tokenUse: 'id' })).tokenUse, 'id');
    assert.deepEqual(reported, []);
  });
});
