/**
 * Issue 13, finding 5: header or payload bytes that are not UTF-8 were replaced with U+FFFD and
 * the token verified, so two different signed byte strings gave the same claims; JSON-escaped
 * lone surrogates were accepted too (RFC 7519 section 7.2, RFC 8725 section 3.7).
 */
import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import { decodeJwt } from '../../src/jwt/decode.ts';
import { base64url } from '../../src/testing/tokens.ts';
import { fixture } from '../unit/jwt/helpers.ts';

const f = fixture();
const key = f.test.accessKey;

/** Signs raw header and payload bytes as they are (no JSON.stringify, no re-encoding). */
function signRaw(header: Buffer, payload: Buffer): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  return `${input}.${base64url(sign('RSA-SHA256', Buffer.from(input), key.privateKey))}`;
}

function claimsJson(extra: string): string {
  const t = Math.floor(f.clock.now() / 1000);
  return `{"sub":"u1","iss":"${f.test.issuer}","client_id":"${f.test.clientId}","token_use":"access","iat":${t},"exp":${t + 3600}${extra}}`;
}
const header = Buffer.from(`{"kid":"${key.kid}","alg":"RS256"}`);
const malformed = (e: unknown) => hasErrorCode(e, 'TOKEN_MALFORMED');

test('a well-formed token of the same shape verifies (control)', () => {
  const token = signRaw(header, Buffer.from(claimsJson(',"name":"Zoë \\ud83d\\ude00"')));
  assert.equal(f.verifier.verifySync(token).claims['name'], 'Zoë 😀');
});

test('invalid UTF-8 in the payload is refused', () => {
  // "username":"a<0xff>b" and "a<0xc3>b": bytes that are not UTF-8.
  for (const bad of [0xff, 0xc3, 0x80]) {
    const payload = Buffer.concat([
      Buffer.from(claimsJson(',"username":"a').slice(0, -1)),
      Buffer.from([bad]),
      Buffer.from('b"}'),
    ]);
    const token = signRaw(header, payload);
    assert.throws(() => f.verifier.verifySync(token), malformed, `byte 0x${bad.toString(16)}`);
  }
});

test('an overlong or surrogate (CESU-8) encoding in the payload is refused', () => {
  // 0xC0 0xAF is an overlong "/"; 0xED 0xA0 0x80 encodes U+D800 directly.
  for (const bytes of [
    [0xc0, 0xaf],
    [0xed, 0xa0, 0x80],
  ]) {
    const payload = Buffer.concat([
      Buffer.from(claimsJson(',"username":"a').slice(0, -1)),
      Buffer.from(bytes),
      Buffer.from('"}'),
    ]);
    assert.throws(() => f.verifier.verifySync(signRaw(header, payload)), malformed);
  }
});

test('invalid UTF-8 in the header is refused', () => {
  const badHeader = Buffer.concat([
    Buffer.from(`{"kid":"${key.kid}","alg":"RS256","x":"`),
    Buffer.from([0xfe]),
    Buffer.from('"}'),
  ]);
  const token = signRaw(badHeader, Buffer.from(claimsJson('')));
  assert.throws(() => f.verifier.verifySync(token), malformed);
  assert.throws(() => decodeJwt(token), malformed);
});

test('a byte-order mark before the JSON is refused', () => {
  const token = signRaw(
    header,
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(claimsJson(''))]),
  );
  assert.throws(() => f.verifier.verifySync(token), malformed);
});

test('JSON-escaped lone surrogates are refused, in values and member names', () => {
  for (const extra of [
    ',"username":"\\ud800"',
    ',"x":["ok","\\udc00a"]',
    ',"\\udbff":1',
    ',"n":{"deep":"a\\uD83D"}',
  ]) {
    const token = signRaw(header, Buffer.from(claimsJson(extra)));
    assert.throws(() => f.verifier.verifySync(token), malformed, extra);
  }
});
