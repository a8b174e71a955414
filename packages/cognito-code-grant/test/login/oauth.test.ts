/** The OAuth building blocks, each half without a server. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { definePool } from '../../src/config/pool.ts';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { buildAuthorizeUrl } from '../../src/oauth/authorize-url.ts';
import { createOAuthClient, isPermanentRefreshFailure } from '../../src/oauth/client.ts';
import { buildLogoutUrl } from '../../src/oauth/logout-url.ts';
import { pkceChallenge } from '../../src/oauth/pkce.ts';
import { randomToken } from '../../src/util/random.ts';
import { buildRevokeRequest, processRevokeResponse } from '../../src/oauth/revoke.ts';
import {
  basicAuthorization,
  buildCodeGrantRequest,
  buildRefreshGrantRequest,
  processTokenResponse,
} from '../../src/oauth/token.ts';

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('PKCE S256 matches RFC 7636 appendix B', () => {
  assert.equal(
    pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
  );
});

test('random tokens are 256-bit base64url and use the injected source', () => {
  assert.match(randomToken(), /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(randomToken(), randomToken());
  assert.equal(
    randomToken((n) => new Uint8Array(n), 3),
    'AAAA',
  );
});

test('the authorize URL carries every parameter and refuses malformed pass-through values', () => {
  const url = new URL(
    buildAuthorizeUrl({
      authorizeEndpoint: 'https://auth.example.com/oauth2/authorize',
      clientId: 'client1',
      redirectUri: 'https://app.example.com/auth/callback',
      scopes: ['openid', 'email'],
      state: 's',
      nonce: 'n',
      codeChallenge: 'c',
      identityProvider: 'Google',
      loginHint: 'jane@example.com',
      lang: 'pt-BR',
    }),
  );
  assert.deepEqual(Object.fromEntries(url.searchParams), {
    response_type: 'code',
    client_id: 'client1',
    redirect_uri: 'https://app.example.com/auth/callback',
    scope: 'openid email',
    state: 's',
    nonce: 'n',
    code_challenge: 'c',
    code_challenge_method: 'S256',
    identity_provider: 'Google',
    login_hint: 'jane@example.com',
    lang: 'pt-BR',
  });
  const base = {
    authorizeEndpoint: 'https://auth.example.com/oauth2/authorize',
    clientId: 'c',
    redirectUri: 'https://a/cb',
    scopes: ['openid'],
    state: 's',
    nonce: 'n',
    codeChallenge: 'c',
  };
  assert.throws(
    () => buildAuthorizeUrl({ ...base, loginHint: 'a\nb' }),
    (e: unknown) => hasErrorCode(e, 'BAD_REQUEST'),
  );
  assert.throws(
    () => buildAuthorizeUrl({ ...base, lang: 'fr"><' }),
    (e: unknown) => hasErrorCode(e, 'BAD_REQUEST'),
  );
  assert.throws(
    () => buildAuthorizeUrl({ ...base, identityProvider: '' }),
    (e: unknown) => hasErrorCode(e, 'BAD_REQUEST'),
  );
});

test('token requests: Basic for confidential clients (raw id:secret), client_id for public ones', () => {
  const conf = buildCodeGrantRequest({
    tokenEndpoint: 'https://auth.example.com/oauth2/token',
    client: { clientId: 'abc', clientSecret: 's3cret' },
    code: 'the-code',
    redirectUri: 'https://app/cb',
    codeVerifier: 'v',
  });
  assert.equal(conf.headers['authorization'], `Basic ${Buffer.from('abc:s3cret').toString('base64')}`);
  assert.equal(conf.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.deepEqual(Object.fromEntries(new URLSearchParams(conf.body)), {
    grant_type: 'authorization_code',
    code: 'the-code',
    redirect_uri: 'https://app/cb',
    code_verifier: 'v',
  });
  const pub = buildRefreshGrantRequest({
    tokenEndpoint: 'https://auth.example.com/oauth2/token',
    client: { clientId: 'abc' },
    refreshToken: 'rt',
  });
  assert.equal(pub.headers['authorization'], undefined);
  assert.deepEqual(Object.fromEntries(new URLSearchParams(pub.body)), {
    grant_type: 'refresh_token',
    refresh_token: 'rt',
    client_id: 'abc',
  });
  assert.equal(basicAuthorization('a', 'b'), 'Basic YTpi');
});

test('token responses are validated; Cognito errors keep only the error code', async () => {
  const ok = await processTokenResponse(
    json({ access_token: 'a', id_token: 'i', refresh_token: 'r', token_type: 'Bearer', expires_in: 3600 }),
    'authorization_code',
  );
  assert.deepEqual(ok, { accessToken: 'a', idToken: 'i', refreshToken: 'r', expiresIn: 3600 });
  const refreshed = await processTokenResponse(
    json({ access_token: 'a', id_token: 'i', token_type: 'Bearer', expires_in: 60 }),
    'refresh_token',
  );
  assert.equal(refreshed.refreshToken, undefined);
  await assert.rejects(
    processTokenResponse(json({ error: 'invalid_grant', access_token: 'SECRET' }, 400), 'authorization_code'),
    (e: unknown) => {
      // A bad code is the caller's error (400), not Cognito's or ours.
      assert.ok(hasErrorCode(e, 'CALLBACK_INVALID'));
      assert.equal(e.details?.['error'], 'invalid_grant');
      assert.ok(!JSON.stringify({ m: e.message, d: e.details }).includes('SECRET'));
      return true;
    },
  );
  await assert.rejects(
    processTokenResponse(
      json({ error: 'invalid_client', access_token: 'SECRET' }, 400),
      'authorization_code',
    ),
    (e: unknown) => hasErrorCode(e, 'TOKEN_EXCHANGE_FAILED') && !e.message.includes('SECRET'),
  );
  await assert.rejects(
    processTokenResponse(json({ error: 'invalid_grant' }, 400), 'refresh_token'),
    (e: unknown) => hasErrorCode(e, 'REFRESH_FAILED'),
  );
  await assert.rejects(
    processTokenResponse(new Response('<html>', { status: 500 }), 'refresh_token'),
    (e: unknown) => hasErrorCode(e, 'REFRESH_FAILED'),
  );
  for (const bad of [
    { access_token: 'a', id_token: 'i', token_type: 'mac', expires_in: 1 },
    { access_token: 'a', id_token: 'i', token_type: 'Bearer' },
    { access_token: 'a', token_type: 'Bearer', expires_in: 1 }, // no ID token on the code grant
    { id_token: 'i', token_type: 'Bearer', expires_in: 1 },
  ]) {
    await assert.rejects(processTokenResponse(json(bad), 'authorization_code'), (e: unknown) =>
      hasErrorCode(e, 'TOKEN_EXCHANGE_FAILED'),
    );
  }
  await assert.rejects(
    processTokenResponse(new Response('x'.repeat(70_000)), 'authorization_code'),
    (e: unknown) => hasErrorCode(e, 'TOKEN_EXCHANGE_FAILED'),
  );
});

test('revoke and logout URLs', async () => {
  const r = buildRevokeRequest({
    revokeEndpoint: 'https://auth.example.com/oauth2/revoke',
    client: { clientId: 'abc' },
    refreshToken: 'rt',
  });
  assert.deepEqual(Object.fromEntries(new URLSearchParams(r.body)), { token: 'rt', client_id: 'abc' });
  await processRevokeResponse(new Response(null, { status: 200 }));
  await assert.rejects(processRevokeResponse(json({ error: 'invalid_client' }, 401)), (e: unknown) =>
    hasErrorCode(e, 'TOKEN_EXCHANGE_FAILED'),
  );
  assert.equal(
    buildLogoutUrl({
      logoutEndpoint: 'https://auth.example.com/logout',
      clientId: 'abc',
      logoutUri: 'https://app/?x=1',
    }),
    'https://auth.example.com/logout?client_id=abc&logout_uri=https%3A%2F%2Fapp%2F%3Fx%3D1',
  );
});

test('the client times out and classifies refresh failures', async () => {
  const pool = definePool({
    userPoolId: 'eu-west-1_Abc',
    clientId: 'abc',
    domain: 'https://auth.example.com',
  });
  const hanging = createOAuthClient({
    pool,
    timeoutMs: 20,
    fetch: (_url, init) =>
      new Promise((_resolve, reject) =>
        init.signal?.addEventListener('abort', () => reject(init.signal?.reason)),
      ),
  });
  // AbortSignal.timeout's timer does not keep the process alive; this interval does meanwhile.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    await assert.rejects(hanging.refresh('rt'), (e: unknown) => {
      assert.ok(hasErrorCode(e, 'REFRESH_FAILED'));
      assert.equal(isPermanentRefreshFailure(e), false);
      return true;
    });
  } finally {
    clearInterval(keepAlive);
  }
  const refused = createOAuthClient({ pool, fetch: async () => json({ error: 'invalid_grant' }, 400) });
  await assert.rejects(refused.refresh('rt'), (e: unknown) => isPermanentRefreshFailure(e));
  let seen: RequestInit | undefined;
  const ok = createOAuthClient({
    pool,
    fetch: async (_url, init) => {
      seen = init;
      return json({ access_token: 'a', id_token: 'i', token_type: 'Bearer', expires_in: 5 });
    },
  });
  await ok.exchangeCode('c', 'v', 'https://app/cb');
  assert.equal(seen?.redirect, 'manual');
  assert.ok(createHash('sha256'));
});
