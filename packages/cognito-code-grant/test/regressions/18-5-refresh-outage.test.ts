/**
 * Issue 18 item 5: a temporary token-endpoint failure after the access token expired is the
 * documented REFRESH_FAILED (session kept), not "signed out" (AUTH_REQUIRED) on optional routes,
 * and the operator hears of it through onServerError once per cause, not once per request.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { resolveAuth, resolveRequirements } from '../../src/http/guards.ts';
import { type Mode, setup } from '../login/harness.ts';

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`token endpoint down at refresh (${mode} mode)`, () => {
    test('optional route: REFRESH_FAILED (session kept), reported once; back to normal when it returns', async () => {
      const seen: unknown[] = [];
      const h = setup(mode, { onServerError: (error) => seen.push(error) });
      await h.signIn();
      h.clock.t += 3600_000 + 1000; // expired
      h.fake.failRefresh = 'network'; // 503
      const optional = resolveRequirements('optional');
      for (let i = 0; i < 5; i++) {
        const result = await resolveAuth(h.requestLike(), [h.login.authenticator], optional);
        assert.equal(result.ok, false, 'not served as signed out');
        if (!result.ok) {
          assert.ok(hasErrorCode(result.error, 'REFRESH_FAILED'));
          assert.equal(result.error.details?.ended, false);
        }
        h.clock.t += 10_000;
      }
      assert.equal(seen.length, 1, 'reported once, not per request');
      assert.ok(hasErrorCode(seen[0], 'REFRESH_FAILED'));
      assert.equal((seen[0] as { details?: { status?: number } }).details?.status, 503);
      h.fake.failRefresh = undefined;
      const back = await resolveAuth(h.requestLike(), [h.login.authenticator], optional);
      assert.ok(back.ok && back.principal, 'the kept session works again');
    });

    test('a refused refresh (invalid_grant) is still "signed out" on optional routes, not reported', async () => {
      const seen: unknown[] = [];
      const h = setup(mode, { onServerError: (error) => seen.push(error) });
      await h.signIn();
      h.clock.t += 3600_000 + 1000;
      h.fake.failRefresh = 'invalid_grant';
      const result = await resolveAuth(
        h.requestLike(),
        [h.login.authenticator],
        resolveRequirements('optional'),
      );
      assert.ok(result.ok && result.principal === null);
      assert.ok(result.setCookies.length > 0, 'the ended session is cleared');
      assert.equal(seen.length, 0);
    });
  });
}
