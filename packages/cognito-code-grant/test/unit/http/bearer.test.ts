import assert from 'node:assert/strict';
import { test } from 'node:test';
import { definePool } from '../../../src/config/pool.ts';
import { createBearerAuthenticator, parseBearerHeader } from '../../../src/http/bearer.ts';
import type { RequestLike } from '../../../src/http/types.ts';
import { createVerifiedToken, type VerifiedToken } from '../../../src/jwt/verified.ts';
import { createCognitoVerifier } from '../../../src/jwt/verifier.ts';
import type { Principal } from '../../../src/principal/principal.ts';
import { createTestPool } from '../../../src/testing/tokens.ts';

const pool = definePool({ userPoolId: 'eu-west-1_AbC123xyz', clientId: 'client1' });
const claims = {
  sub: 'user-1',
  iss: pool.issuer,
  token_use: 'access',
  client_id: 'client1',
  username: 'jdoe',
  scope: 'a b',
  exp: 2e9,
  iat: 1e9,
} as const;

/** A tiny fake verifier recording its calls. */
function fakeVerifier() {
  const calls: Array<{ token: string; options: unknown }> = [];
  const verified = createVerifiedToken(claims, pool);
  return {
    calls,
    async verify(token: string, options?: unknown): Promise<VerifiedToken> {
      calls.push({ token, options });
      if (token !== 'good.token.sig')
        throw Object.assign(new Error('bad'), { code: 'TOKEN_SIGNATURE_INVALID' });
      return verified;
    },
  };
}

const req = (authorization?: string, extra: Record<string, string> = {}, url = '/x?page=2'): RequestLike => ({
  method: 'GET',
  url,
  header: (name) => (name === 'authorization' ? authorization : extra[name]),
});

test('parseBearerHeader: absent or other scheme -> null', () => {
  assert.equal(parseBearerHeader(undefined), null);
  assert.equal(parseBearerHeader(''), null);
  assert.equal(parseBearerHeader('Basic dXNlcjpwYXNz'), null);
  assert.equal(parseBearerHeader('Bearerx abc'), null);
  assert.equal(parseBearerHeader('Token abc'), null);
  // Near misses of the case-insensitive scheme: one letter off, non-ASCII look-alikes.
  for (const other of ['Bearex abc', 'Cearer abc', 'Be\u0101rer abc', 'B\u0465arer abc', '\u0142earer abc']) {
    assert.equal(parseBearerHeader(other), null, other);
  }
});

test('parseBearerHeader: scheme is case-insensitive, exactly one token', () => {
  assert.equal(parseBearerHeader('Bearer a.b.c'), 'a.b.c');
  assert.equal(parseBearerHeader('bEaReR   a-b_c~d+e/f=='), 'a-b_c~d+e/f==');
  assert.equal(parseBearerHeader('BEARER a.b.c'), 'a.b.c');
  for (const bad of ['Bearer', 'Bearer a b', 'Bearer a,b', 'Bearer a\tb', 'Bearer\ta.b.c', 'Bearer  a.b c']) {
    assert.throws(() => parseBearerHeader(bad), { code: 'TOKEN_MALFORMED' }, bad);
  }
});

test('characters outside b64token are refused by the real verifier with TOKEN_MALFORMED', async () => {
  const verifier = createCognitoVerifier({ pools: pool });
  const bearer = createBearerAuthenticator({ verifier });
  for (const bad of [
    'Bearer a=b.c.d',
    'Bearer "a".b.c',
    'Bearer \u00e9.b.c',
    'Bearer a$b.c.d',
    'Bearer a.b.c;',
  ]) {
    await assert.rejects(bearer.authenticate(req(bad)), { code: 'TOKEN_MALFORMED' }, bad);
  }
});

test('parseBearerHeader: over the cap -> TOKEN_TOO_LARGE, before any parsing', () => {
  assert.throws(() => parseBearerHeader(`Bearer ${'a'.repeat(100)}`, 64), { code: 'TOKEN_TOO_LARGE' });
  assert.throws(() => parseBearerHeader(`Basic ${'a'.repeat(100)}`, 64), { code: 'TOKEN_TOO_LARGE' });
  assert.equal(parseBearerHeader(`Bearer ${'a'.repeat(57)}`, 64), 'a'.repeat(57));
});

test('authenticate: header only, never the query string; access tokens by default', async () => {
  const verifier = fakeVerifier();
  const bearer = createBearerAuthenticator({ verifier });
  assert.equal(bearer.kind, 'bearer');
  assert.deepEqual(await bearer.authenticate(req(undefined)), { principal: null, setCookies: [] });
  // A token in the query alone is never read (RFC 6750 2.3 is not supported)...
  const queryOnly = req(undefined, {}, '/x?access_token=good.token.sig');
  assert.deepEqual(await bearer.authenticate(queryOnly), { principal: null, setCookies: [] });
  assert.equal(verifier.calls.length, 0);
  // ...and beside a header token it is a second method: 400 (RFC 6750 3.1).
  await assert.rejects(bearer.authenticate(req('Bearer good.token.sig', {}, '/x?access_token=x')), {
    code: 'TOKEN_MULTIPLE_METHODS',
  });
  assert.equal(verifier.calls.length, 0);
  const outcome = await bearer.authenticate(req('Bearer good.token.sig'));
  assert.equal(outcome.principal?.sub, 'user-1');
  assert.equal(outcome.principal?.source, 'bearer');
  assert.deepEqual(outcome.setCookies, []);
  assert.deepEqual(verifier.calls[0], { token: 'good.token.sig', options: { tokenUse: 'access' } });
});

test('authenticate: tokenUse and clientId reach the verifier; a route context overrides tokenUse', async () => {
  const verifier = fakeVerifier();
  const bearer = createBearerAuthenticator({ verifier, tokenUse: 'any', clientId: 'client1' });
  await bearer.authenticate(req('Bearer good.token.sig'));
  await bearer.authenticate(req('Bearer good.token.sig'), { tokenUse: 'id' });
  assert.deepEqual(
    verifier.calls.map((c) => c.options),
    [
      { tokenUse: 'any', clientId: 'client1' },
      { tokenUse: 'id', clientId: 'client1' },
    ],
  );
});

test('authenticate: verifier errors propagate; malformed header never reaches the verifier', async () => {
  const verifier = fakeVerifier();
  const bearer = createBearerAuthenticator({ verifier });
  await assert.rejects(bearer.authenticate(req('Bearer other.token.sig')), {
    code: 'TOKEN_SIGNATURE_INVALID',
  });
  await assert.rejects(bearer.authenticate(req('Bearer a b')), { code: 'TOKEN_MALFORMED' });
  assert.equal(verifier.calls.length, 1);
});

test('authenticate: the hook runs with trigger bearer and may replace or refuse the principal', async () => {
  const seen: string[] = [];
  const bearer = createBearerAuthenticator({
    verifier: fakeVerifier(),
    hook: (principal: Principal, context) => {
      seen.push(context.trigger);
      return { ...principal, replicaUserId: 42 };
    },
  });
  const outcome = await bearer.authenticate(req('Bearer good.token.sig'));
  assert.equal(outcome.principal?.replicaUserId, 42);
  assert.deepEqual(seen, ['bearer']);
  const refusing = createBearerAuthenticator({
    verifier: fakeVerifier(),
    hook: () => {
      throw Object.assign(new Error('disabled'), { code: 'USER_DISABLED' });
    },
  });
  await assert.rejects(refusing.authenticate(req('Bearer good.token.sig')), { code: 'USER_DISABLED' });
});

test('a reused token gives the same principal object (memoised by the verified token)', async () => {
  const bearer = createBearerAuthenticator({ verifier: fakeVerifier() });
  const a = await bearer.authenticate(req('Bearer good.token.sig'));
  const b = await bearer.authenticate(req('Bearer good.token.sig'));
  assert.equal(a.principal, b.principal);
});

test('options are validated at creation', () => {
  const verifier = fakeVerifier();
  const bad: unknown[] = [
    undefined,
    {},
    { verifier: {} },
    { verifier, tokenUse: 'refresh' },
    { verifier, clientId: '' },
    { verifier, hook: 'x' },
    { verifier, maxHeaderBytes: 10 },
    { verifier, maxHeaderBytes: 1.5 },
  ];
  for (const options of bad) {
    assert.throws(
      () => createBearerAuthenticator(options as never),
      { code: 'CONFIG_INVALID' },
      JSON.stringify(options),
    );
  }
});

test('authenticateSync: anonymous without a header, a cached token without a promise, else undefined', async () => {
  const pool2 = createTestPool();
  const real = createCognitoVerifier({
    pools: definePool({ userPoolId: pool2.userPoolId, clientId: pool2.clientId, issuer: pool2.issuer }),
  });
  real.loadJwks(pool2.issuer, pool2.jwks());
  const bearer = createBearerAuthenticator({ verifier: real });
  const token = pool2.accessToken({ sub: 'fast' });
  assert.deepEqual(bearer.authenticateSync(req(undefined)), { principal: null, setCookies: [] });
  assert.equal(bearer.authenticateSync(req(`Bearer ${token}`)), undefined, 'not cached yet');
  const slow = await bearer.authenticate(req(`Bearer ${token}`));
  const fast = bearer.authenticateSync(req(`Bearer ${token}`));
  assert.equal(fast?.principal, slow.principal, 'the same memoised principal');
  // The cache lookup skips the full parse's scans: a cached token with a comma, space or tab
  // after it is a miss there, and refused by the full parse.
  for (const bad of [`Bearer ${token},`, `Bearer ${token} x`, `Bearer ${token}\tx`]) {
    assert.equal(bearer.authenticateSync(req(bad)), undefined, JSON.stringify(bad.slice(-3)));
    await assert.rejects(bearer.authenticate(req(bad)), { code: 'TOKEN_MALFORMED' });
  }
  // What the full parse answers at once is still answered at once.
  assert.deepEqual(bearer.authenticateSync(req('Basic dXNlcjpwYXNz')), { principal: null, setCookies: [] });
  assert.throws(() => bearer.authenticateSync(req('Bearer ')), { code: 'TOKEN_MALFORMED' });
  assert.throws(() => bearer.authenticateSync(req(token)), { code: 'TOKEN_MALFORMED' });
  assert.throws(() => bearer.authenticateSync(req(`Bearer ${token}`, {}, '/x?access_token=a')), {
    code: 'TOKEN_MULTIPLE_METHODS',
  });
  assert.throws(() => bearer.authenticateSync(req(`Bearer ${token}`), { tokenUse: 'id' }), {
    code: 'TOKEN_USE_INVALID',
  });
  // A hook may do I/O: only the promise path runs it.
  const hooked = createBearerAuthenticator({ verifier: real, hook: async (p) => p });
  assert.equal(hooked.authenticateSync(req(`Bearer ${token}`)), undefined);
  // A verifier without verifyCached has no fast path.
  assert.equal(
    createBearerAuthenticator({ verifier: fakeVerifier() }).authenticateSync(req('Bearer a.b.c')),
    undefined,
  );
});
