/**
 * Issue 13, finding 5, elsewhere: the same lossy decoding (bytes that are not UTF-8 read as
 * U+FFFD) applied to the other untrusted JSON the library reads over HTTP: the JWKS document and
 * the trigger-event body. Two different byte strings then read as the same document, and for
 * events a signature made over the replaced text accepted bytes nobody signed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { JwksCache } from '../../src/jwks/cache.ts';
import type { Replica } from '../../src/replica/types.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook } from '../../src/trigger/signature.ts';
import { createTestPool } from '../../src/testing/tokens.ts';
import { fakeClock } from '../unit/jwt/helpers.ts';

const tp = createTestPool();

/** `text` as UTF-8 with `marker` replaced by one 0xFF byte. */
function withBadByte(text: string, marker: string): Uint8Array<ArrayBuffer> {
  const [before, after] = text.split(marker) as [string, string];
  return new Uint8Array(Buffer.concat([Buffer.from(before), Buffer.from([0xff]), Buffer.from(after)]));
}

test('a JWKS document that is not UTF-8 is JWKS_INVALID and keeps the cached keys', async () => {
  const doc = JSON.stringify({ keys: [...tp.jwks().keys, { kid: 'kid-MARK', kty: 'oct' }] });
  let body: Uint8Array<ArrayBuffer> | string = JSON.stringify(tp.jwks());
  const errors: string[] = [];
  const cache = new JwksCache({
    jwksUri: 'https://example.test/jwks.json',
    fetch: async () => new Response(body, { headers: { 'content-type': 'application/json' } }),
    onError: (e) => errors.push(e.code),
  });
  await cache.preload();
  body = withBadByte(doc, 'MARK');
  await assert.rejects(cache.preload(), (e) => hasErrorCode(e, 'JWKS_INVALID'));
  assert.deepEqual(errors, ['JWKS_INVALID']);
  assert.ok(cache.getCached(tp.accessKey.kid));
});

test('a trigger event whose body is not UTF-8 is refused, nothing written', async () => {
  const secret = 'utf8-secret-0123456789';
  const pool = 'eu-west-1_Utf8Pool1';
  const writes: string[] = [];
  const replica = {
    poolId: pool,
    async claimWebhookEvent() {
      writes.push('claim');
      return 'new';
    },
    async releaseWebhookEvent() {},
    async applyUserState() {
      writes.push('apply');
    },
  } as unknown as Replica;
  const clock = fakeClock(Date.now());
  const route = createCognitoEventsRoute({ replica, secrets: [secret], userPoolId: pool, now: clock.now });
  const text = JSON.stringify({
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    userPoolId: pool,
    userName: 'jdoeMARK',
    request: { userAttributes: { sub: 's-1', email: 'j@example.com' } },
  });
  // Signed over the text a lossy decoder would read; the bytes sent hold 0xFF instead.
  const headers = signWebhook(secret, text.replace('MARK', '\ufffd'), { eventId: 'ev-utf8', now: clock.now });
  const response = await route.handle(
    new Request('http://app.test/auth/cognito-events', {
      method: 'POST',
      headers,
      body: withBadByte(text, 'MARK'),
    }),
  );
  assert.equal(response.status, 400);
  assert.equal(((await response.json()) as { error: string }).error, 'WEBHOOK_PAYLOAD_INVALID');
  assert.deepEqual(writes, []);
});
