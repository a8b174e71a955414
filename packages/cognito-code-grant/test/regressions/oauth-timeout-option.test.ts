/**
 * Review of issue 13 (class: unbounded lifetimes): `oauthTimeoutMs` of createCognitoLogin was
 * passed to AbortSignal.timeout unchecked. Infinity, NaN or a negative value made every code
 * exchange, refresh and revoke fail as TOKEN_EXCHANGE_FAILED "Cognito could not be reached"
 * (a RangeError taken for a network error), and a huge value let a stalled token endpoint hold
 * every sign-in for days. Like jwks.timeoutMs it is checked when the login is created.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { setup } from '../login/harness.ts';

test('oauthTimeoutMs outside 1 ms .. 10 minutes is CONFIG_INVALID at creation', () => {
  for (const oauthTimeoutMs of [Number.POSITIVE_INFINITY, Number.NaN, 0, -1, 1.5, 86_400_000]) {
    assert.throws(
      () => setup('cookie', { oauthTimeoutMs }),
      (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID') && /oauthTimeoutMs/.test((e as Error).message),
      String(oauthTimeoutMs),
    );
  }
});

test('a valid oauthTimeoutMs signs in as before', async () => {
  const h = setup('cookie', { oauthTimeoutMs: 5000 });
  assert.equal((await h.signIn()).status, 302);
});
