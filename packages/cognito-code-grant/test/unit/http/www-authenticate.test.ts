import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bearerChallenge } from '../../../src/http/www-authenticate.ts';

test('bare challenge has the realm only (RFC 6750 section 3.1)', () => {
  assert.equal(bearerChallenge(), 'Bearer realm="api"');
  assert.equal(bearerChallenge({ realm: 'orders' }), 'Bearer realm="orders"');
});

test('invalid_token with a description', () => {
  assert.equal(
    bearerChallenge({ error: 'invalid_token', description: 'The access token expired' }),
    'Bearer realm="api", error="invalid_token", error_description="The access token expired"',
  );
});

test('insufficient_scope lists the scopes, dropping invalid scope-tokens', () => {
  assert.equal(
    bearerChallenge({
      error: 'insufficient_scope',
      scopes: ['articles/write', 'bad"scope', 'has space', 'x\\y', 'b'],
    }),
    'Bearer realm="api", error="insufficient_scope", scope="articles/write b"',
  );
  assert.equal(
    bearerChallenge({ error: 'insufficient_scope', scopes: ['"'] }),
    'Bearer realm="api", error="insufficient_scope"',
  );
});

test('quotes, backslashes, CR/LF and non-ASCII never reach the header', () => {
  const header = bearerChallenge({
    realm: 'a"b\\c\r\nX-Evil: 1',
    error: 'invalid_token',
    description: 'bad "quote" \\ back\r\nslash é',
  });
  assert.equal(
    header,
    'Bearer realm="abcX-Evil: 1", error="invalid_token", error_description="bad quote  backslash "',
  );
  assert.doesNotMatch(header, /[\r\n]/);
});
