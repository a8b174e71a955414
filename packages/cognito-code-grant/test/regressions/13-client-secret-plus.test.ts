/**
 * Issue 13, smaller note: `+` is where raw and RFC 6749 form-encoded HTTP Basic differ, so a
 * client id or secret holding one is sent in the form body (client_secret_post, which Cognito's
 * token endpoint accepts); other confidential clients keep HTTP Basic.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildCodeGrantRequest, buildRefreshGrantRequest } from '../../src/oauth/token.ts';
import { setup } from '../login/harness.ts';

const endpoint = 'https://auth.example.test/oauth2/token';

test('a secret with + goes in the body, code and refresh grants alike', () => {
  const client = { clientId: 'client1', clientSecret: 'abc+def/ghi=' };
  for (const req of [
    buildCodeGrantRequest({
      tokenEndpoint: endpoint,
      client,
      code: 'c',
      redirectUri: 'https://a/cb',
      codeVerifier: 'v',
    }),
    buildRefreshGrantRequest({ tokenEndpoint: endpoint, client, refreshToken: 'r' }),
  ]) {
    assert.equal(req.headers['authorization'], undefined);
    const body = new URLSearchParams(req.body);
    assert.equal(body.get('client_id'), 'client1');
    assert.equal(body.get('client_secret'), 'abc+def/ghi=');
  }
});

test('a secret without + keeps HTTP Basic and stays out of the body', () => {
  const req = buildRefreshGrantRequest({
    tokenEndpoint: endpoint,
    client: { clientId: 'client1', clientSecret: 'abcdef' },
    refreshToken: 'r',
  });
  assert.equal(req.headers['authorization'], `Basic ${Buffer.from('client1:abcdef').toString('base64')}`);
  assert.equal(new URLSearchParams(req.body).get('client_secret'), null);
});

test('a full sign-in and refresh with a + secret (the token endpoint sees client_secret_post)', async () => {
  const h = setup('store', { clientSecret: 'sec+ret+with+plus' });
  assert.equal((await h.signIn()).status, 302);
  assert.equal(h.fake.lastTokenRequest?.authorization, null);
  assert.equal(h.fake.lastTokenRequest?.body.get('client_secret'), 'sec+ret+with+plus');
  h.clock.t += 3600_000;
  assert.ok((await h.authenticate()).principal);
  assert.equal(h.fake.calls.refresh, 1);
  assert.equal(h.fake.lastTokenRequest?.body.get('grant_type'), 'refresh_token');
  assert.equal(h.fake.lastTokenRequest?.authorization, null);
});
