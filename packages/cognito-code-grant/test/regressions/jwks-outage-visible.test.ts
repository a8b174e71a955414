/**
 * Issue 18, item 5 (JWKS part): a JWKS outage was invisible. Its failures reached no operator
 * listener, and during the refetch cooldown they surfaced as `TOKEN_KID_UNKNOWN` 401s, as if the
 * token named a key that does not exist. Now the verifier tells `onJwksError` once per cause
 * (default: one console.error line) and the token gets `JWKS_FETCH_FAILED`.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { definePool } from '../../src/config/pool.ts';
import { type CognitoAuthError, hasErrorCode } from '../../src/errors/errors.ts';
import { errorResponse } from '../../src/http/error-response.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { createTestPool } from '../../src/testing/tokens.ts';
import { type JwksServer, fakeClock, serveJson, startJwksServer } from '../unit/jwt/helpers.ts';

const code = (c: string) => (e: unknown) => hasErrorCode(e, c as never);

describe('JWKS outage', () => {
  let server: JwksServer;
  const clock = fakeClock();
  const tp = createTestPool({ now: () => clock.now() });
  const down = serveJson({ message: 'unavailable' }, 503);
  before(async () => {
    server = await startJwksServer(down);
  });
  after(() => server.close());

  function setup(onJwksError?: (error: CognitoAuthError) => void) {
    server.handler = down;
    server.requests = 0;
    const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
    return createCognitoVerifier({
      pools: pool,
      now: clock.now,
      jwks: { cooldownMs: 10_000 },
      ...(onJwksError === undefined ? {} : { onJwksError }),
    });
  }

  test('tokens get JWKS_FETCH_FAILED during the cooldown, not TOKEN_KID_UNKNOWN', async () => {
    const reported: CognitoAuthError[] = [];
    const verifier = setup((e) => reported.push(e));
    const token = tp.accessToken();
    await assert.rejects(verifier.verify(token), code('JWKS_FETCH_FAILED'));
    // Within the cooldown no fetch is made, and the answer still says why.
    await assert.rejects(verifier.verify(token), code('JWKS_FETCH_FAILED'));
    await assert.rejects(verifier.verify(tp.accessToken({ sub: 'b' })), code('JWKS_FETCH_FAILED'));
    assert.equal(server.requests, 1);
    const answer = errorResponse(await verifier.verify(token).catch((e: unknown) => e));
    assert.equal(answer.body.error, 'JWKS_FETCH_FAILED');
    assert.match(answer.headers['www-authenticate'] ?? '', /error="invalid_token"/);
    assert.equal(reported.length, 1);
    assert.ok(hasErrorCode(reported[0], 'JWKS_FETCH_FAILED'));
    assert.match(reported[0]!.message, /HTTP 503/);
  });

  test('reported once per cause until a fetch succeeds, never once per request', async () => {
    const reported: CognitoAuthError[] = [];
    const verifier = setup((e) => reported.push(e));
    const token = tp.accessToken();
    for (let i = 0; i < 5; i++) {
      await assert.rejects(verifier.verify(token));
      clock.advance(10_001);
    }
    assert.equal(server.requests, 5);
    assert.equal(reported.length, 1, 'the same failure five times is one report');
    server.handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('not json');
    };
    await assert.rejects(verifier.verify(token), code('JWKS_INVALID'));
    assert.equal(reported.length, 2, 'a new cause is reported');
    assert.ok(hasErrorCode(reported[1], 'JWKS_INVALID'));
    clock.advance(10_001);
    server.handler = serveJson(tp.jwks());
    assert.equal((await verifier.verify(token)).tokenUse, 'access');
    // After a recovery the same failure is news again.
    server.handler = down;
    clock.advance(10_001);
    await assert.rejects(
      verifier.verify(tp.accessToken({}, { header: { kid: 'rotated-in' } })),
      code('JWKS_FETCH_FAILED'),
    );
    assert.equal(reported.length, 3);
  });

  test('a throwing listener changes nothing', async () => {
    const verifier = setup(() => {
      throw new Error('listener bug');
    });
    await assert.rejects(verifier.verify(tp.accessToken()), code('JWKS_FETCH_FAILED'));
  });

  test('by default the operator gets one console.error line without the token', async (t) => {
    const lines: string[] = [];
    t.mock.method(console, 'error', (line: string) => lines.push(line));
    const verifier = setup();
    const token = tp.accessToken();
    await assert.rejects(verifier.verify(token));
    await assert.rejects(verifier.verify(token));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /JWKS_FETCH_FAILED/);
    assert.ok(lines[0]!.includes(server.url));
    assert.ok(!lines[0]!.includes(token.split('.')[1]!));
  });

  test('onJwksError is validated', () => {
    const pool = definePool({ userPoolId: tp.userPoolId, clientId: tp.clientId, jwksUri: server.url });
    assert.throws(
      () => createCognitoVerifier({ pools: pool, onJwksError: 'log' as never }),
      code('CONFIG_INVALID'),
    );
  });
});
