/**
 * Issue 13, finding 6: `exp - iat` of 48 hours or ten years was accepted, though Cognito never
 * issues an ID or access token that lives more than one day. The bound is configurable
 * (`maxTokenLifetimeSeconds`) for emulators.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { fixture } from '../unit/jwt/helpers.ts';

const tooLong = (e: unknown) => hasErrorCode(e, 'TOKEN_LIFETIME_TOO_LONG');

function times(f: ReturnType<typeof fixture>, lifetime: number) {
  const iat = Math.floor(f.clock.now() / 1000);
  return { claims: { iat, auth_time: iat, exp: iat + lifetime } };
}

test('one day (Cognito maximum) is accepted, a second more is refused', () => {
  const f = fixture();
  assert.equal(f.verifier.verifySync(f.test.accessToken({}, times(f, 86_400))).tokenUse, 'access');
  assert.throws(() => f.verifier.verifySync(f.test.accessToken({}, times(f, 86_401))), tooLong);
  assert.throws(
    () => f.verifier.verifySync(f.test.idToken({}, times(f, 48 * 3600)), { tokenUse: 'id' }),
    tooLong,
  );
  assert.throws(() => f.verifier.verifySync(f.test.accessToken({}, times(f, 10 * 365 * 86_400))), tooLong);
});

test('maxTokenLifetimeSeconds raises or lowers the bound', () => {
  const long = fixture({ maxTokenLifetimeSeconds: 7 * 86_400 });
  assert.equal(
    long.verifier.verifySync(long.test.accessToken({}, times(long, 48 * 3600))).tokenUse,
    'access',
  );
  const short = fixture({ maxTokenLifetimeSeconds: 600 });
  assert.throws(() => short.verifier.verifySync(short.test.accessToken({}, times(short, 3600))), tooLong);
});

test('maxTokenLifetimeSeconds is validated', () => {
  for (const bad of [0, -1, 1.5, Number.NaN, '3600']) {
    assert.throws(
      () => fixture({ maxTokenLifetimeSeconds: bad as number }),
      (e) => hasErrorCode(e, 'CONFIG_INVALID'),
    );
  }
});
