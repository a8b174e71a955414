/**
 * Review of issue 13 finding 7 (same class, the other place tokens arrive): a refresh answer's
 * ID token carries `at_hash` too (Cognito's token endpoint sets it), and it was never compared
 * with the access token returned with it: an ID token and an access token that do not belong
 * together became the session's. OIDC Core 12.2 validates a refresh's ID token as at sign-in.
 * A mismatch is a refused refresh: the session ends, the new tokens are never kept.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { type Mode, setup } from '../login/harness.ts';

const atHash = (token: string) =>
  createHash('sha256').update(token, 'ascii').digest().subarray(0, 16).toString('base64url');

for (const mode of ['cookie', 'store'] as Mode[]) {
  describe(`at_hash at a refresh (${mode} mode)`, () => {
    test('a refreshed ID token whose at_hash belongs to another access token ends the session', async () => {
      const h = setup(mode);
      assert.equal((await h.signIn()).status, 302);
      h.fake.refreshIdClaims = () => ({ at_hash: atHash('another.access.token') });
      h.clock.t += 3600_000 + 1000;
      await assert.rejects(h.authenticate(), (e: unknown) => hasErrorCode(e, 'REFRESH_FAILED'));
      assert.equal(h.fake.calls.refresh, 1);
      h.fake.refreshIdClaims = undefined;
      assert.equal((await h.authenticate()).principal, null, 'the session is gone');
    });

    test('a matching at_hash (or none) refreshes as before', async () => {
      const h = setup(mode);
      assert.equal((await h.signIn()).status, 302);
      h.fake.refreshIdClaims = (accessToken) => ({ at_hash: atHash(accessToken) });
      h.clock.t += 3600_000 + 1000;
      assert.ok((await h.authenticate()).principal);
      h.fake.refreshIdClaims = undefined;
      h.clock.t += 3600_000 + 1000;
      assert.ok((await h.authenticate()).principal);
      assert.equal(h.fake.calls.refresh, 2);
    });
  });
}
