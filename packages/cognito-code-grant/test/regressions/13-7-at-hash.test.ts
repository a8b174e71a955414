/**
 * Issue 13 finding 7: the callback compares the ID token's `at_hash` with the access token
 * returned with it (OIDC Core 3.1.3.8); a mismatch is refused and no session is created.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { type Mode, setup } from '../login/harness.ts';

const atHash = (token: string) =>
  createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`at_hash at the callback (${mode} mode)`, () => {
    test('an ID token whose at_hash belongs to another access token is refused', async () => {
      const h = setup(mode);
      // The hash of a different access token: what a substituted access token looks like.
      h.fake.idClaims = () => ({ at_hash: atHash('another.access.token') });
      const res = await h.signIn();
      assert.equal(res.status, 400);
      assert.equal(res.headers.getSetCookie().filter((c) => c.includes('ccg-session=')).length, 0);
      assert.match(await res.text(), /CALLBACK_INVALID/);
      assert.equal((await h.authenticate()).principal, null);
    });

    test('a matching at_hash signs in; an absent one too (Cognito sets it, the spec makes it optional)', async () => {
      const h = setup(mode);
      h.fake.idClaims = (accessToken) => ({ at_hash: atHash(accessToken) });
      assert.equal((await h.signIn()).status, 302);
      assert.ok((await h.authenticate()).principal);
      const h2 = setup(mode);
      assert.equal((await h2.signIn()).status, 302);
    });

    test('a refresh whose ID token has the at_hash of another access token ends the session', async () => {
      const h = setup(mode);
      h.fake.idClaims = (accessToken) => ({ at_hash: atHash(accessToken) });
      await h.signIn();
      h.fake.idClaims = () => ({ at_hash: atHash('another.access.token') });
      h.clock.t += 3600_000;
      await assert.rejects(h.authenticate(), (e: unknown) => hasErrorCode(e, 'REFRESH_FAILED'));
      assert.equal((await h.authenticate()).principal, null, 'the session has ended');
    });
  });
}
