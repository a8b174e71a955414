import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasErrorCode } from '../../../src/errors/errors.ts';
import { KnownHeaders, decodeJwt, isCanonicalBase64url } from '../../../src/jwt/decode.ts';
import { generateTestKeyPair } from '../../../src/testing/keys.ts';
import { base64url, signJwt } from '../../../src/testing/tokens.ts';

const key = generateTestKeyPair();
const payload = { sub: 'u', iss: 'https://issuer.example', token_use: 'access', exp: 2, iat: 1 };
const good = signJwt(payload, key);
const [h, p, s] = good.split('.') as [string, string, string];

function refuses(token: unknown, code: Parameters<typeof hasErrorCode>[1]) {
  assert.throws(
    () => decodeJwt(token),
    (e) => hasErrorCode(e, code),
  );
}
const seg = (v: unknown) => base64url(JSON.stringify(v));

describe('decodeJwt', () => {
  test('decodes a well-formed RS256 token', () => {
    const d = decodeJwt(good);
    assert.equal(d.header.kid, key.kid);
    assert.equal(d.header.alg, 'RS256');
    assert.deepEqual(d.payload, payload);
    assert.equal(good.slice(0, d.signingInputEnd), `${h}.${p}`);
    assert.equal(d.signature, s);
  });

  test('accepts typ JWT', () => {
    assert.equal(decodeJwt(signJwt(payload, key, { typ: 'JWT' })).header.typ, 'JWT');
  });

  test('refuses anything but exactly three segments (JWE five-segment included)', () => {
    refuses(`${h}.${p}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${p}.${s}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${p}.${s}.${s}.${s}`, 'TOKEN_MALFORMED');
    refuses(h, 'TOKEN_MALFORMED');
    refuses(`${h}..${s}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${p}.`, 'TOKEN_MALFORMED');
    refuses('', 'TOKEN_MALFORMED');
    refuses(undefined, 'TOKEN_MALFORMED');
    refuses(42, 'TOKEN_MALFORMED');
  });

  test('refuses non-canonical base64url', () => {
    refuses(`${h}=.${p}.${s}`, 'TOKEN_MALFORMED'); // padding
    refuses(`${h}.${p}.${s}==`, 'TOKEN_MALFORMED');
    refuses(`${h}.${p.replace(/-/g, '+').replace(/_/g, '/')}+.${s}`, 'TOKEN_MALFORMED'); // standard alphabet
    refuses(`${h}.${p} .${s}`, 'TOKEN_MALFORMED'); // whitespace
    refuses(`${h}.${p}.${s}AAA`, 'TOKEN_MALFORMED'); // 342 + 3 = length 1 mod 4
  });

  test('refuses any character beyond ASCII, one byte or two, and lone surrogates', () => {
    for (const odd of ['\u00e9', '\u00ff', '\u0141', '\ud800', '\udc00', '\ud83d\ude00']) {
      refuses(`${h}.${p}${odd}.${s}`, 'TOKEN_MALFORMED');
      refuses(`${h}.${p}.${odd}${s}`, 'TOKEN_MALFORMED');
      refuses(`${odd}${h}.${p}.${s}`, 'TOKEN_MALFORMED');
    }
    // Longer than the scratch buffer's first size: it grows, the check is the same.
    const long = `${h}.${base64url(JSON.stringify({ ...payload, pad: 'x'.repeat(9000) }))}.${s}`;
    assert.equal(decodeJwt(long).payload['pad'], 'x'.repeat(9000));
    refuses(`${long}\u00e9`, 'TOKEN_MALFORMED');
  });

  test('refuses non-zero trailing bits (decodes to the same bytes, but is not canonical)', () => {
    // "YQ" is "a"; "YR" decodes to "a" too in lenient decoders.
    assert.equal(isCanonicalBase64url('YQ'), true);
    assert.equal(isCanonicalBase64url('YR'), false);
    assert.equal(isCanonicalBase64url('YWI'), true); // "ab"
    assert.equal(isCanonicalBase64url('YWJ'), false);
    assert.equal(isCanonicalBase64url('YWJj'), true);
    assert.equal(isCanonicalBase64url('Y'), false);
    assert.equal(isCanonicalBase64url(''), false);
    assert.equal(isCanonicalBase64url('YW+j'), false);
    // The signature segment is checked too: flip the spare bits of its last character.
    const last = s.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const flipped = alphabet[alphabet.indexOf(last) | 1]!;
    assert.equal(
      Buffer.from(s.slice(0, -1) + flipped, 'base64url').equals(Buffer.from(s, 'base64url')),
      true,
    );
    refuses(`${h}.${p}.${s.slice(0, -1)}${flipped}`, 'TOKEN_MALFORMED');
  });

  test('the canonical check is exactly "decode then re-encode gives the same text"', () => {
    // The definition, with Node's lenient decoder, against the check decode.ts runs (which
    // counts the bytes and looks for `+` and `/` instead of re-encoding), on seeded random input:
    // both alphabets, padding, whitespace, NUL, non-ASCII and lone surrogates, short and long.
    const definition = (t: string) => t.length > 0 && Buffer.from(t, 'base64url').toString('base64url') === t;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // Beyond ASCII: characters whose low byte is in the alphabet (U+0141 decodes as `A` in
    // Node's lenient decoder) and others.
    const odd = '+/= \t\n.$%\0\u00e9\u0100\u0141\u0164\u012b\u0231\u2d41\uff21\ud800';
    let seed = 17;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = (chars: string) => chars[Math.floor(random() * chars.length)] as string;
    let canonical = 0;
    for (let i = 0; i < 30_000; i++) {
      const length = i % 10 === 0 ? 300 + Math.floor(random() * 50) : Math.floor(random() * 12);
      const oddRate = random() < 0.3 ? 0.2 : 0;
      let t = '';
      for (let k = 0; k < length; k++) t += random() < oddRate ? pick(odd) : pick(alphabet);
      if (i % 10 === 0 && random() < 0.5) {
        const at = Math.floor(random() * length);
        t = t.slice(0, at) + pick(odd) + t.slice(at + 1);
      }
      const expected = definition(t);
      if (expected) canonical++;
      assert.equal(isCanonicalBase64url(t), expected, JSON.stringify(t));
    }
    assert.ok(canonical > 5000, `enough canonical samples (${canonical})`);
    for (const t of [
      'YQ=',
      'YQ==',
      '=YQ',
      'Y Q',
      'YQ\n',
      'YW\u00e9j',
      'YW\0j',
      'Y/Ij',
      'YWJ+',
      '\u0159WJj',
      'YW\u014aj',
    ]) {
      assert.equal(isCanonicalBase64url(t), false, JSON.stringify(t));
    }
  });

  test('refuses header or payload that is not a JSON object', () => {
    refuses(`${base64url('not json')}.${p}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${seg([1, 2])}.${p}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${seg(null)}.${p}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${seg('a string')}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${seg([payload])}.${s}`, 'TOKEN_MALFORMED');
    refuses(`${h}.${base64url('{"sub":')}.${s}`, 'TOKEN_MALFORMED');
  });

  test('refuses tokens longer than the cap', () => {
    const big = signJwt({ ...payload, pad: 'x'.repeat(20_000) }, key);
    assert.throws(
      () => decodeJwt(big),
      (e) => hasErrorCode(e, 'TOKEN_TOO_LARGE'),
    );
    assert.throws(
      () => decodeJwt(good, 100),
      (e) => hasErrorCode(e, 'TOKEN_TOO_LARGE'),
    );
  });

  test('alg must be exactly RS256', () => {
    for (const alg of [
      'none',
      'HS256',
      'RS384',
      'RS512',
      'PS256',
      'ES256',
      'rs256',
      'RS256 ',
      undefined,
      null,
      1,
    ]) {
      refuses(signJwt(payload, key, { alg }), 'TOKEN_ALG_UNSUPPORTED');
    }
    // alg none with an empty signature segment: the header is refused first
    refuses(`${seg({ alg: 'none', kid: key.kid })}.${p}.`, 'TOKEN_ALG_UNSUPPORTED');
  });

  test('kid must be a non-empty string', () => {
    refuses(signJwt(payload, key, { kid: undefined }), 'TOKEN_MALFORMED');
    refuses(signJwt(payload, key, { kid: '' }), 'TOKEN_MALFORMED');
    refuses(signJwt(payload, key, { kid: 7 }), 'TOKEN_MALFORMED');
    refuses(signJwt(payload, key, { kid: ['a'] }), 'TOKEN_MALFORMED');
  });

  test('headers that carry or point at a key, crit and nested tokens are refused', () => {
    const values: Record<string, unknown> = {
      jku: 'https://evil.example/jwks.json',
      x5u: 'https://evil.example/cert.pem',
      jwk: key.jwk,
      x5c: ['MIIB'],
      crit: ['exp'],
      cty: 'JWT',
    };
    for (const [name, value] of Object.entries(values)) {
      refuses(signJwt(payload, key, { [name]: value }), 'TOKEN_HEADER_UNSUPPORTED');
    }
    refuses(signJwt(payload, key, { crit: [] }), 'TOKEN_HEADER_UNSUPPORTED');
  });

  test('typ, when present, must be JWT', () => {
    for (const typ of ['at+jwt', 'jwt', 'JOSE', '', 1])
      refuses(signJwt(payload, key, { typ }), 'TOKEN_HEADER_UNSUPPORTED');
  });

  test("KnownHeaders (the verifier's memo) matches the whole first segment only", () => {
    const known = new KnownHeaders();
    const header = decodeJwt(good).header;
    known.add(h, header);
    assert.equal(decodeJwt(good, 16384, known).header, header);
    // A longer or shorter first segment that starts the same way is parsed and checked anew.
    const longer = signJwt(payload, key, { typ: 'JWT' });
    assert.ok(longer.startsWith(h.slice(0, -2)));
    assert.notEqual(decodeJwt(longer, 16384, known).header, header);
    refuses(`${h}x.${p}.${s}`, 'TOKEN_MALFORMED');
    assert.throws(
      () => decodeJwt(`${h}x.${p}.${s}`, 16384, known),
      (e) => hasErrorCode(e, 'TOKEN_MALFORMED'),
    );
    assert.throws(
      () => decodeJwt(`${h.slice(0, -4)}.${p}.${s}`, 16384, known),
      (e) => hasErrorCode(e, 'TOKEN_MALFORMED'),
    );
  });

  test('a known header segment skips re-parsing but the rest is still checked', () => {
    const known = new Map([[h, decodeJwt(good).header]]);
    assert.equal(decodeJwt(good, 16384, known).header, known.get(h));
    assert.throws(
      () => decodeJwt(`${h}.${p}=.${s}`, 16384, known),
      (e) => hasErrorCode(e, 'TOKEN_MALFORMED'),
    );
  });
});
