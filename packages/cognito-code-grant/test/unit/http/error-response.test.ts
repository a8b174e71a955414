import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CognitoAuthError, ERROR_CODES, ERROR_STATUS } from '../../../src/errors/errors.ts';
import { errorResponse } from '../../../src/http/error-response.ts';

const TOKEN = 'eyJraWQiOiJrIiwiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';

test('token errors: 401, invalid_token with a fixed description, body { error, message }', () => {
  // A message quoting a claim value must not reach the header.
  const error = new CognitoAuthError('TOKEN_ISSUER_INVALID', 'issuer "https://evil/" is not configured');
  const r = errorResponse(error);
  assert.equal(r.status, 401);
  assert.equal(
    r.headers['www-authenticate'],
    'Bearer realm="api", error="invalid_token", error_description="The token issuer is not accepted"',
  );
  assert.deepEqual(r.body, { error: 'TOKEN_ISSUER_INVALID', message: error.message });
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  assert.equal(r.headers['cache-control'], 'no-store');
});

test('every TOKEN_* and JWKS_* code maps to invalid_token', () => {
  for (const code of ERROR_CODES.filter(
    (c) =>
      /^(TOKEN|JWKS)_/.test(c) &&
      c !== 'TOKEN_MISSING' &&
      c !== 'TOKEN_EXCHANGE_FAILED' &&
      c !== 'TOKEN_MULTIPLE_METHODS',
  )) {
    const r = errorResponse(new CognitoAuthError(code, 'x'));
    assert.equal(r.status, 401, code);
    assert.match(r.headers['www-authenticate'] ?? '', /error="invalid_token"/, code);
  }
});

test('a token sent by two methods is 400 invalid_request (RFC 6750 section 3.1)', () => {
  const r = errorResponse(new CognitoAuthError('TOKEN_MULTIPLE_METHODS', 'x'), { realm: 'shop' });
  assert.equal(r.status, 400);
  assert.match(
    r.headers['www-authenticate'] ?? '',
    /^Bearer realm="shop", error="invalid_request", error_description="/,
  );
});

test('missing credentials: bare challenge, no error attribute', () => {
  for (const code of ['AUTH_REQUIRED', 'TOKEN_MISSING', 'SESSION_EXPIRED'] as const) {
    const r = errorResponse(new CognitoAuthError(code, 'm'), { realm: 'shop' });
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Bearer realm="shop"');
  }
});

test('SCOPE_REQUIRED: 403 insufficient_scope with the scopes; GROUP_REQUIRED: 403 without challenge', () => {
  const scope = errorResponse(
    new CognitoAuthError('SCOPE_REQUIRED', 'm', { details: { scopes: ['a/b', 'c'] } }),
  );
  assert.equal(scope.status, 403);
  assert.equal(
    scope.headers['www-authenticate'],
    'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a required scope", scope="a/b c"',
  );
  const group = errorResponse(new CognitoAuthError('GROUP_REQUIRED', 'm'));
  assert.equal(group.status, 403);
  assert.equal(group.headers['www-authenticate'], undefined);
  assert.deepEqual(group.body, { error: 'GROUP_REQUIRED', message: 'm' });
});

test('statuses follow ERROR_STATUS for every code', () => {
  for (const code of ERROR_CODES)
    assert.equal(errorResponse(new CognitoAuthError(code, 'm')).status, ERROR_STATUS[code]);
});

test('5xx library errors keep the code but not the message', () => {
  const r = errorResponse(
    new CognitoAuthError('STORE_FAILED', `connection to postgres://u:secret@db failed ${TOKEN}`),
  );
  assert.equal(r.status, 500);
  assert.equal(r.body.error, 'STORE_FAILED');
  assert.doesNotMatch(JSON.stringify(r.body), /secret|eyJ/);
});

test('non-library errors: generic 500, nothing from the error', () => {
  for (const error of [new Error(`boom ${TOKEN}`), 'string', null, { status: 401, message: TOKEN }]) {
    const r = errorResponse(error);
    assert.equal(r.status, 500);
    assert.deepEqual(r.body, { error: 'INTERNAL_ERROR', message: 'Internal server error' });
    assert.equal(r.headers['www-authenticate'], undefined);
  }
});
