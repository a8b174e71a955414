/**
 * A token Cognito has just issued that the configuration refuses (wrong audience or issuer for
 * our configuration) ends the sign-in with a 400 page, and the operator is told once per cause.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeServerError } from '../../src/errors/server-errors.ts';
import { setup } from './harness.ts';

test('callback: a refused fresh token is a 400 for the browser and one report per cause for the operator', async () => {
  const seen: { line: string; path: string }[] = [];
  const h = setup('cookie', {
    onServerError: (error, request) => seen.push({ line: describeServerError(error), path: request.path }),
  });
  // The pool issues ID tokens for another app client: as if COGNITO_CLIENT_ID named the wrong one.
  h.fake.idClaims = () => ({ aud: 'another-app-client' });
  for (let i = 0; i < 3; i++) {
    const res = await h.signIn();
    assert.equal(res.status, 400);
    await res.arrayBuffer();
  }
  assert.equal(seen.length, 1, JSON.stringify(seen));
  assert.equal(seen[0]!.path, '/auth/callback');
  assert.match(
    seen[0]!.line,
    /^CALLBACK_INVALID: an id token Cognito has just issued was refused \(TOKEN_CLIENT_INVALID\).*doctor/,
  );
  assert.match(seen[0]!.line, /cause: TOKEN_CLIENT_INVALID/);

  // Another cause is reported too, once.
  h.fake.idClaims = () => ({ iss: 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_SomeOther1' });
  for (let i = 0; i < 2; i++) {
    const res = await h.signIn();
    assert.equal(res.status, 400);
    await res.arrayBuffer();
  }
  assert.equal(seen.length, 2, JSON.stringify(seen));
  assert.match(seen[1]!.line, /\(TOKEN_ISSUER_INVALID\)/);
  for (const { line } of seen) assert.doesNotMatch(line, /eyJ/, 'a token in the report');

  // A browser-side failure (no login state) is not reported.
  const stray = await h.call('GET', '/auth/callback?code=abc&state=nope');
  assert.equal(stray.status, 400);
  assert.equal(seen.length, 2);
});
