import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../../src/errors/errors.ts';
import { prepareJwk, type PreparedKey } from '../../../src/jwks/key.ts';
import { decodeJwt } from '../../../src/jwt/decode.ts';
import { SignatureScheduler } from '../../../src/jwt/signature.ts';
import { fixture } from './helpers.ts';

test('a lone verification runs inline; overlapping ones go to the thread pool', async () => {
  const { test: tp } = fixture();
  const key = prepareJwk(tp.accessKey.jwk) as PreparedKey;
  const scheduler = new SignatureScheduler();
  const tokens = Array.from({ length: 8 }, (_, i) => tp.accessToken({ sub: `u${i}` }));
  const decoded = tokens.map((t) => decodeJwt(t));
  // Started together (as Promise.all does): the first inline, the rest on the pool.
  const results = tokens.map((t, i) => scheduler.verify(t, decoded[i]!, key));
  assert.equal(results[0], true);
  for (const r of results.slice(1)) assert.ok(r instanceof Promise);
  assert.deepEqual(await Promise.all(results), Array(8).fill(true));
  // One at a time, each awaited: always inline.
  for (let i = 0; i < 3; i++) {
    const r = scheduler.verify(tokens[i]!, decoded[i]!, key);
    assert.equal(r, true);
    await r;
  }
});

test('the pool path refuses a bad signature like the inline path', async () => {
  const { test: tp } = fixture();
  const key = prepareJwk(tp.accessKey.jwk) as PreparedKey;
  const scheduler = new SignatureScheduler();
  const good = tp.accessToken();
  const forged = tp.accessToken({}, { key: tp.idKey, header: { kid: tp.accessKey.kid } });
  const first = scheduler.verify(good, decodeJwt(good), key);
  const second = scheduler.verify(forged, decodeJwt(forged), key);
  assert.equal(first, true);
  assert.ok(second instanceof Promise);
  assert.equal(await second, false);
});

test('verify(): eight distinct tokens at once, one forged among them', async () => {
  const { test: tp, verifier } = fixture({ tokenCacheSize: 0 });
  const tokens = Array.from({ length: 8 }, (_, i) => tp.accessToken({ sub: `u${i}` }));
  tokens[5] = tp.accessToken({ sub: 'forged' }, { key: tp.idKey, header: { kid: tp.accessKey.kid } });
  const settled = await Promise.allSettled(tokens.map((t) => verifier.verify(t)));
  settled.forEach((s, i) => {
    if (i === 5) assert.ok(s.status === 'rejected' && hasErrorCode(s.reason, 'TOKEN_SIGNATURE_INVALID'));
    else assert.ok(s.status === 'fulfilled' && s.value.claims.sub === `u${i}`);
  });
});
