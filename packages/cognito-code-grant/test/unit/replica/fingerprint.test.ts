/**
 * The user fingerprint is stored and compared across versions (the sync skips a user whose
 * fingerprint is unchanged): its value is pinned here, for sorted and unsorted attributes alike.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userFingerprint } from '../../../src/replica/normalize.ts';
import { userFields } from '../../../src/replica/user-fields.ts';

// sha256 of ["alice","CONFIRMED",true,{"custom:n":"1","email":"a@example.com","email_verified":"true"}]
const PINNED = '469299099fca31820387dd423e10ab6dedd0ef5122953cd78ba292032b4583c7';

test('the fingerprint of a user is the pinned SHA-256 whatever the attribute order', () => {
  const attributes = { email_verified: 'true', email: 'a@example.com', 'custom:n': '1' };
  const input = { username: 'alice', status: 'CONFIRMED', enabled: true, attributes };
  assert.equal(userFingerprint(input), PINNED);
  assert.equal(userFields(input).fingerprint, PINNED);
  assert.notEqual(userFingerprint({ ...input, enabled: false }), PINNED);
});
