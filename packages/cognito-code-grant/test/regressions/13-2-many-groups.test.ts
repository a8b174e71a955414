/**
 * Issue 13 finding 2: a user in many groups signs in in cookie mode. The session keeps each
 * thing once (the tokens, the ID-token claims without a second copy of the groups) and rebuilds
 * the principal from them; a session that truly cannot fit is a clear answer to the user and a
 * report to the operator naming the fix.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasErrorCode, isCognitoAuthError } from '../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { sessionPrincipal } from '../../src/principal/session-principal.ts';
import { decodeSession, encodeSession, type SessionState } from '../../src/session/session-data.ts';
import { setup } from '../login/harness.ts';

/** Group names as large pools name them: about 40 characters each. */
const groupsOf = (n: number) =>
  Array.from({ length: n }, (_, i) => `org-unit-${String(i).padStart(3, '0')}-articles-editors-eu-west`);

const JSON_ACCEPT = { accept: 'application/json' };

describe('cookie mode: a user in many groups', () => {
  for (const n of [100, 150]) {
    test(`${n} groups: signs in, is refreshed, and keeps every group`, async () => {
      const h = setup('cookie');
      h.fake.refreshTokenLength = 1800; // Cognito's refresh tokens are encrypted JWTs this long
      const groups = groupsOf(n);
      const res = await h.signIn({ groups, attributes: { name: 'Jane Doe', 'custom:tenant': '42' } });
      assert.equal(res.status, 302, 'the sign-in completes');
      const me = await h.call('GET', '/auth/me', { headers: JSON_ACCEPT });
      assert.equal(me.status, 200);
      const principal = ((await me.json()) as { principal: Record<string, any> }).principal;
      assert.deepEqual(principal['groups'], groups);
      assert.deepEqual(principal['claims']['cognito:groups'], groups);
      assert.equal(principal['claims']['custom:tenant'], '42');
      h.clock.t += 3600_000; // the access token expires: refreshed, still fits
      const out = await h.authenticate();
      assert.equal(h.fake.calls.refresh, 1);
      assert.deepEqual(out.principal?.groups, groups);
    });
  }

  test('the cookie session holds the group list once, and gives the same principal back', async () => {
    const h = setup('cookie');
    const verifier = createCognitoVerifier({
      pools: h.fake.pool,
      now: () => h.clock.t,
      fetch: h.fake.fetch as typeof fetch,
    });
    const user = { groups: groupsOf(20), email: 'jane@example.com' };
    const id = await verifier.verify(h.fake.testPool.idToken(user), { tokenUse: 'id' });
    const accessToken = h.fake.testPool.accessToken(user, { scope: 'openid email articles/read' });
    const access = await verifier.verify(accessToken, { tokenUse: 'access' });
    const principal = Object.freeze({ ...sessionPrincipal(id, access), replicaUserId: 7 });
    const state: SessionState = {
      sid: 'sid-1',
      principal,
      accessToken,
      refreshToken: 'rt',
      accessExpiresAt: access.claims.exp,
      createdAt: h.clock.t,
      absoluteExpiresAt: h.clock.t + 1000,
      seenAt: h.clock.t,
    };
    const json = encodeSession(state, 'cookie');
    assert.equal(json.split('org-unit-007-').length - 1, 1, 'one copy of each group name');
    const back = decodeSession(json)!;
    assert.equal(back.state.accessToken, accessToken, 'the access token comes back byte for byte');
    assert.deepEqual(back.state.principal, principal);
    assert.ok(Object.isFrozen(back.state.principal) && Object.isFrozen(back.state.principal.claims));
  });

  test('a session that truly cannot fit: a page saying so, and a report naming the fix', async () => {
    const seen: unknown[] = [];
    const h = setup('cookie', { onServerError: (error) => seen.push(error) });
    const res = await h.signIn({ groups: groupsOf(260) });
    assert.equal(res.status, 500);
    const html = await res.text();
    assert.match(html, /Your account could not be signed in here/);
    assert.match(html, /more information \(such as group memberships\) than this site can keep/);
    assert.doesNotMatch(html, /Something went wrong/);
    assert.equal(seen.length, 1);
    const error = seen[0];
    assert.ok(hasErrorCode(error, 'SESSION_TOO_LARGE'));
    assert.ok(isCognitoAuthError(error));
    assert.match(error.message, /store mode/);
    assert.match(error.message, /maxCookieHeaderBytes/);
    assert.equal(h.fake.calls.revoke, 1, 'the refresh token no session holds is revoked');
    // JSON clients get the same explanation.
    const h2 = setup('cookie', { onServerError: () => {} });
    const start = await h2.call('GET', '/auth/login');
    const { code, state } = h2.fake.authorize(start.headers.get('location')!, { groups: groupsOf(260) });
    const json = await h2.call('GET', `/auth/callback?code=${code}&state=${state}`, { headers: JSON_ACCEPT });
    const body = (await json.json()) as { error: string; message: string };
    assert.equal(body.error, 'SESSION_TOO_LARGE');
    assert.match(body.message, /browser cookie/);
  });

  test('a session written by the previous version (principal stored whole) is still read', async () => {
    const h = setup('cookie');
    await h.signIn({ groups: ['staff'] });
    const v2 = h.jar.cookies.get('__Host-ccg-session');
    assert.ok(v2);
    const principal = (await h.authenticate()).principal!;
    const v1 = JSON.stringify({
      v: 1,
      sid: 'old-sid',
      p: principal,
      at: 'a.b.c',
      ax: principal.expiresAt,
      ca: h.clock.t,
      abs: h.clock.t + 1000,
      seen: h.clock.t,
    });
    const decoded = decodeSession(v1)!;
    assert.deepEqual(decoded.state.principal, JSON.parse(JSON.stringify(principal)));
    assert.equal(decoded.state.accessToken, 'a.b.c');
  });
});
