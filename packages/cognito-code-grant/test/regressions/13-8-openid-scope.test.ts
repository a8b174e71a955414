/**
 * Issue 13 finding 8: a code-grant token response whose `scope` lacks `openid` is refused with
 * OPENID_SCOPE_MISSING, and no session is created.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Mode, setup } from '../login/harness.ts';

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`openid scope of the token response (${mode} mode)`, () => {
    test('scope without openid: refused with OPENID_SCOPE_MISSING, nothing stored', async () => {
      const h = setup(mode);
      h.fake.codeResponseExtra = { scope: 'email profile' };
      const start = await h.call('GET', '/auth/login');
      const { code, state } = h.fake.authorize(start.headers.get('location')!);
      const res = await h.call('GET', `/auth/callback?code=${code}&state=${state}`, {
        headers: { accept: 'application/json' },
      });
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as { error: string }).error, 'OPENID_SCOPE_MISSING');
      assert.equal((await h.authenticate()).principal, null);
    });

    test('scope with openid, or no scope member at all, signs in', async () => {
      const h = setup(mode);
      h.fake.codeResponseExtra = { scope: 'openid email profile' };
      assert.equal((await h.signIn()).status, 302);
      const h2 = setup(mode);
      assert.equal((await h2.signIn()).status, 302);
    });
  });
}
