/**
 * Logout that reaches access tokens (issue 13): when this app ends a session (logout, a refused
 * refresh), the origin_jti its tokens share goes on the deny-list in the session store, and a
 * verifier given the deny-list (any app instance on the same store) refuses those tokens with
 * TOKEN_REVOKED. Two app instances share one memory store here (its channel is in-process);
 * push.suite.ts runs the list on every store and the two-process test on Redis.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CognitoAuthErrorCode, hasErrorCode } from '../../src/errors/errors.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { createOriginDenylist } from '../../src/session/origin-denylist.ts';
import { originOfToken } from '../../src/session/session-origin.ts';
import { createMemorySessionStore } from '../../src/store/memory/session-store.ts';
import { SECRET, type Mode, setup } from './harness.ts';

async function twoInstances(mode: Mode, withList = true) {
  let clock = { t: 0 };
  const now = () => clock.t;
  const store = createMemorySessionStore({ now });
  const listA = createOriginDenylist({ store, now });
  const listB = createOriginDenylist({ store, now });
  await Promise.all([listA.ready(), listB.ready()]);
  const session =
    mode === 'store'
      ? { mode, store, secrets: [SECRET], ...(withList ? { denylist: listA } : {}) }
      : { mode, secrets: [SECRET], ...(withList ? { denylist: listA } : {}) };
  const a = setup(mode, { session: session as never });
  clock = a.clock;
  // The API of another instance: a bearer verifier on the same store's deny-list.
  const verifierB = createCognitoVerifier({
    pools: a.fake.pool,
    now,
    denylist: listB,
    fetch: a.fake.fetch as typeof globalThis.fetch,
  });
  return { a, listB, verifierB };
}

const refused = (code: CognitoAuthErrorCode) => (e: unknown) => hasErrorCode(e, code);

for (const mode of ['store', 'cookie'] as const) {
  describe(`origin deny-list, ${mode} mode`, () => {
    test('a logout denies the session origin: the other instance refuses its access token', async () => {
      const { a, listB, verifierB } = await twoInstances(mode);
      await a.signIn();
      const token = a.fake.accessTokens.at(-1)!;
      assert.equal((await verifierB.verify(token)).claims.sub.length > 0, true, 'accepted (and cached)');
      const csrf = a.login.csrfToken(a.requestLike())!;
      const res = await a.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
      assert.equal(res.status, 303);
      assert.equal(listB.has(originOfToken(token, a.clock.t)!.originJti), true);
      await assert.rejects(verifierB.verify(token), refused('TOKEN_REVOKED'));
      assert.throws(() => verifierB.verifySync(token), refused('TOKEN_REVOKED'));
    });

    test('a refused refresh denies the session origin', async () => {
      const { a, listB } = await twoInstances(mode);
      await a.signIn();
      const origin = originOfToken(a.fake.accessTokens.at(-1)!, a.clock.t)!.originJti;
      a.fake.failRefresh = 'invalid_grant';
      a.clock.t += 3600_000;
      await assert.rejects(a.authenticate(), refused('REFRESH_FAILED'));
      assert.equal(listB.has(origin), true);
    });

    test('without session.denylist nothing is recorded', async () => {
      const { a, listB, verifierB } = await twoInstances(mode, false);
      await a.signIn();
      const token = a.fake.accessTokens.at(-1)!;
      const csrf = a.login.csrfToken(a.requestLike())!;
      await a.call('POST', '/auth/logout', { headers: { 'x-csrf-token': csrf } });
      assert.equal(listB.has(originOfToken(token, a.clock.t)!.originJti), false);
      assert.ok(await verifierB.verify(token));
    });
  });
}

test('the deny entry lasts as long as a token of the session can live (lifetime plus skew)', () => {
  const header = Buffer.from('{"alg":"RS256"}').toString('base64url');
  const payload = (claims: object) =>
    `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
  const now = 1_800_000_000_000;
  const iat = now / 1000 - 600;
  assert.deepEqual(originOfToken(payload({ origin_jti: 'o1', iat, exp: iat + 3600 }), now), {
    originJti: 'o1',
    expiresAt: now + 3600_000 + 60_000,
  });
  // Without iat: Cognito's longest lifetime, a day.
  assert.equal(originOfToken(payload({ origin_jti: 'o2' }), now)?.expiresAt, now + 86_400_000 + 60_000);
  assert.equal(originOfToken(payload({ sub: 'x' }), now), undefined);
  assert.equal(originOfToken('not a token', now), undefined);
});
