/**
 * Issue 13, smaller note: callback answers (their URL holds the code and state) carry
 * `Referrer-Policy: no-referrer`, success and error pages alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setup } from '../login/harness.ts';

test('the callback redirect carries Referrer-Policy: no-referrer', async () => {
  const h = setup('cookie');
  const res = await h.signIn();
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
});

test('a callback error page carries Referrer-Policy: no-referrer', async () => {
  const h = setup('cookie');
  const res = await h.call('GET', '/auth/callback?code=abc&state=unknown');
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
});
