import assert from 'node:assert/strict';
import { test } from 'node:test';
import { csrfTokenFor, csrfTokenMatches, isSameOriginRequest } from '../../src/session/csrf.ts';
import { deriveSessionKeys } from '../../src/session/keys.ts';
import {
  createSessionToken,
  hashSessionId,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
  sessionSecretMatchesDigest,
} from '../../src/session/session-id.ts';

const S1 = 'first-secret-first-secret-first-secret!!';
const S2 = 'second-secret-second-secret-second-secret';

test('session tokens are id.secret; only hashes are stored; the secret compares in constant time', () => {
  const t = createSessionToken();
  assert.match(t.token, /^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(parseSessionToken(t.token), t);
  assert.match(hashSessionId(t.id), /^[0-9a-f]{64}$/);
  const stored = hashSessionSecret(t.secret);
  assert.ok(!stored.includes(t.secret));
  assert.ok(sessionSecretMatches(t.secret, stored));
  assert.ok(!sessionSecretMatches(createSessionToken().secret, stored));
  assert.ok(!sessionSecretMatches(t.secret, 'short'));
  const digest = Buffer.from(stored, 'base64url');
  assert.ok(sessionSecretMatchesDigest(t.secret, digest));
  assert.ok(!sessionSecretMatchesDigest(createSessionToken().secret, digest));
  assert.ok(!sessionSecretMatchesDigest(t.secret, Buffer.alloc(0)));
  for (const bad of [
    '',
    t.id,
    `${t.token}x`,
    `${t.id}.${t.secret}.x`,
    `${t.id}:${t.secret}`,
    ' '.repeat(66),
  ]) {
    assert.equal(parseSessionToken(bad), undefined, bad);
  }
  assert.notEqual(createSessionToken().token, createSessionToken().token);
});

test('CSRF tokens are bound to the session and accepted across a secret rotation', () => {
  const k = deriveSessionKeys([S1]);
  const token = csrfTokenFor(k.csrf, 'sid-1');
  assert.match(token, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(csrfTokenMatches(k.csrf, 'sid-1', token));
  assert.ok(!csrfTokenMatches(k.csrf, 'sid-2', token));
  assert.ok(!csrfTokenMatches(k.csrf, 'sid-1', undefined));
  assert.ok(!csrfTokenMatches(k.csrf, 'sid-1', token.slice(0, -1)));
  assert.ok(!csrfTokenMatches(k.csrf, 'sid-1', `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`));
  assert.ok(csrfTokenMatches(deriveSessionKeys([S2, S1]).csrf, 'sid-1', token));
  assert.ok(!csrfTokenMatches(deriveSessionKeys([S2]).csrf, 'sid-1', token));
});

test('same-origin check on Origin and Sec-Fetch-Site', () => {
  const h = (headers: Record<string, string>) => (n: string) => headers[n];
  const allowed = ['https://app.example.com'];
  assert.ok(isSameOriginRequest(h({}), allowed));
  assert.ok(
    isSameOriginRequest(h({ origin: 'https://app.example.com', 'sec-fetch-site': 'same-origin' }), allowed),
  );
  assert.ok(!isSameOriginRequest(h({ origin: 'https://evil.example' }), allowed));
  assert.ok(!isSameOriginRequest(h({ origin: 'null' }), allowed));
  assert.ok(!isSameOriginRequest(h({ 'sec-fetch-site': 'cross-site' }), allowed));
  assert.ok(!isSameOriginRequest(h({ 'sec-fetch-site': 'same-site' }), allowed));
});
