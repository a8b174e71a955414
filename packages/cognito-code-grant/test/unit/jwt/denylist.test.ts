/** The verifier's `denylist` option: TOKEN_REVOKED for a listed origin_jti, on every path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CognitoAuthError, hasErrorCode } from '../../../src/errors/errors.ts';
import { fixture } from './helpers.ts';

const listed = new Set<string>();
const denylist = { has: (origin: string) => listed.has(origin) };
const revoked = (e: unknown) => hasErrorCode(e, 'TOKEN_REVOKED');

test('a token whose origin is listed is refused, also from the cache and by verifySync', async () => {
  const f = fixture({ denylist });
  const token = f.test.accessToken({}, { claims: { origin_jti: 'origin-1' } });
  assert.ok(await f.verifier.verify(token));
  listed.add('origin-1');
  await assert.rejects(f.verifier.verify(token), revoked);
  assert.throws(() => f.verifier.verifySync(token), revoked);
  const id = f.test.idToken({}, { claims: { origin_jti: 'origin-1' } });
  await assert.rejects(f.verifier.verify(id, { tokenUse: 'id' }), revoked, 'ID tokens too');
  listed.delete('origin-1');
  assert.ok(await f.verifier.verify(token));
});

test('a token without origin_jti is not checked; other origins pass', async () => {
  const f = fixture({ denylist: { has: () => true } });
  const token = f.test.accessToken({}, { claims: { origin_jti: undefined } });
  assert.ok(await f.verifier.verify(token));
  const other = fixture({ denylist });
  assert.ok(await other.verifier.verify(other.test.accessToken({}, { claims: { origin_jti: 'o-2' } })));
});

test("the deny-list's own error (a stale copy) reaches the caller", async () => {
  const f = fixture({
    denylist: {
      has: () => {
        throw new CognitoAuthError('DENYLIST_UNAVAILABLE', 'stale');
      },
    },
  });
  await assert.rejects(f.verifier.verify(f.test.accessToken()), (e: unknown) =>
    hasErrorCode(e, 'DENYLIST_UNAVAILABLE'),
  );
});

test('a denylist without has() is CONFIG_INVALID', () => {
  assert.throws(
    () => fixture({ denylist: {} as never }),
    (e: unknown) => hasErrorCode(e, 'CONFIG_INVALID'),
  );
});

test('with onChange, a cached token found clean is looked up again only after a change', async () => {
  const denied = new Set<string>();
  let lookups = 0;
  let changed: () => void = () => {};
  const f = fixture({
    denylist: {
      has: (origin: string) => {
        lookups++;
        return denied.has(origin);
      },
      onChange: (listener: () => void) => {
        changed = listener;
      },
    },
  });
  const token = f.test.accessToken({}, { claims: { origin_jti: 'origin-3' } });
  for (let i = 0; i < 5; i++) assert.ok(await f.verifier.verify(token));
  assert.equal(lookups, 2, 'at verification and at the first cache hit, then not again');
  denied.add('origin-3');
  changed();
  await assert.rejects(f.verifier.verify(token), revoked);
  await assert.rejects(f.verifier.verify(token), revoked);
});
