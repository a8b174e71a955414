import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CHUNK_SIZE,
  type CookieAttributes,
  clearChunked,
  parseCookies,
  prefixedName,
  readChunked,
  serializeCookie,
  writeChunked,
} from '../../src/session/cookies.ts';

const A: CookieAttributes = { maxAge: 3600, path: '/', secure: true, httpOnly: true, sameSite: 'Lax' };

test('serialize writes every attribute', () => {
  assert.equal(
    serializeCookie('__Host-s', 'abc', A),
    '__Host-s=abc; Max-Age=3600; Path=/; Secure; HttpOnly; SameSite=Lax',
  );
  assert.equal(
    serializeCookie('__Secure-s', 'abc', { ...A, domain: 'example.com' }),
    '__Secure-s=abc; Max-Age=3600; Path=/; Domain=example.com; Secure; HttpOnly; SameSite=Lax',
  );
});

test('serialize refuses what a browser would misread or what breaks the prefixes', () => {
  const bad: [string, string, CookieAttributes][] = [
    ['a b', 'v', A],
    ['a;b', 'v', A],
    ['n', 'v;Domain=evil', A],
    ['n', 'v\r\nSet-Cookie: x', A],
    ['n', 'v,w', A],
    ['n', 'v"', A],
    ['n', 'v', { ...A, maxAge: 400 * 86400 + 1 }],
    ['n', 'v', { ...A, maxAge: -1 }],
    ['n', 'v', { ...A, maxAge: 1.5 }],
    ['n', 'v', { ...A, path: 'x' }],
    ['n', 'v', { ...A, path: '/;Domain=x' }],
    ['n', 'v', { ...A, domain: 'evil.com;x' }],
    ['__Host-n', 'v', { ...A, secure: false }],
    ['__Host-n', 'v', { ...A, path: '/auth' }],
    ['__Host-n', 'v', { ...A, domain: 'example.com' }],
    ['__Secure-n', 'v', { ...A, secure: false }],
  ];
  for (const [n, v, a] of bad) assert.throws(() => serializeCookie(n, v, a), TypeError, `${n}=${v}`);
});

test('names follow the prefix policy', () => {
  assert.equal(prefixedName('s', true, undefined), '__Host-s');
  assert.equal(prefixedName('s', true, 'example.com'), '__Secure-s');
  assert.equal(prefixedName('s', false, undefined), 's');
});

test('parse: first occurrence wins, quotes are stripped, junk is skipped', () => {
  const m = parseCookies('a=1; b="2"; a=3; =x; junk; c=');
  assert.equal(m.get('a'), '1');
  assert.equal(m.get('b'), '2');
  assert.equal(m.get('c'), '');
  assert.equal(m.size, 3);
  assert.equal(parseCookies(undefined).size, 0);
});

test('parse: a name without "=" in its own part does not take the next part\'s value', () => {
  const m = parseCookies('junk; a=1;b = 2 ;; \tc="x=y";');
  assert.deepEqual(
    [...m],
    [
      ['a', '1'],
      ['b', '2'],
      ['c', 'x=y'],
    ],
  );
});

test('parse: a header of many parts is read a bounded number of times, whatever its shape', () => {
  // Counts the characters each search passes over (no clock): a search from every part to one
  // '=' at the far end made a 65,000-byte header cost ~n^2/2 character reads.
  let scanned = 0;
  class Counted extends String {
    override indexOf(search: string, from = 0): number {
      const at = super.indexOf(search, from);
      scanned += (at < 0 ? this.length : at + 1) - from;
      return at;
    }
  }
  const n = 20_000;
  for (const header of [
    `s${';'.repeat(n)}=`,
    `s${';'.repeat(n)}`,
    `${'a=1;'.repeat(n / 4)}`,
    `${'='.repeat(n)};s`,
  ]) {
    scanned = 0;
    parseCookies(new Counted(header) as unknown as string);
    assert.ok(scanned <= 3 * header.length, `${scanned} character reads for ${header.length} characters`);
  }
});

test('parse: the same cookies as splitting the header on ";" (generated headers)', () => {
  // The rule as first written, kept here as the reference for the index walk.
  const reference = (header: string) => {
    const out = new Map<string, string>();
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq <= 0) continue;
      const name = part.slice(0, eq).trim();
      if (name === '' || out.has(name)) continue;
      let value = part.slice(eq + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      out.set(name, value);
    }
    return out;
  };
  const alphabet = ['a', 'b', '=', ';', ' ', '\t', '"', 'x', '\u00a0', ';='];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed;
  };
  for (let i = 0; i < 5000; i++) {
    let header = '';
    for (let k = next() % (i % 10 === 0 ? 200 : 14); k > 0; k--) header += alphabet[next() % alphabet.length];
    assert.deepEqual([...parseCookies(header)], [...reference(header)], JSON.stringify(header));
  }
});

test('chunking: long values split, read back, stale chunks cleared', () => {
  const long = 'x'.repeat(CHUNK_SIZE * 2 + 10);
  const set = writeChunked('s', long, A, new Map());
  assert.equal(set.length, 3);
  assert.ok(set.every((c) => c.length < 4096));
  const jar = new Map(set.map((c) => [c.split('=')[0]!, c.split('=')[1]!.split(';')[0]!]));
  assert.equal(readChunked('s', jar), long);
  // Shorter value next: the unchunked cookie plus deletions of s.0..s.2.
  const next = writeChunked('s', 'short', A, jar);
  assert.equal(next[0], serializeCookie('s', 'short', A));
  assert.deepEqual(
    next.slice(1).map((c) => c.split('=')[0]),
    ['s.0', 's.1', 's.2'],
  );
  assert.ok(next.slice(1).every((c) => c.includes('Max-Age=0')));
  // Two chunks after three: s.2 cleared.
  const two = writeChunked('s', 'y'.repeat(CHUNK_SIZE + 1), A, jar);
  assert.ok(two.some((c) => c.startsWith('s.2=;') && c.includes('Max-Age=0')));
  assert.equal(readChunked('s', new Map([['s.1', 'x']])), undefined, 'a gap at .0 reads nothing');
  assert.deepEqual(
    clearChunked('s', A, jar).map((c) => c.split('=')[0]),
    ['s', 's.0', 's.1', 's.2'],
  );
  assert.throws(() => writeChunked('s', 'x'.repeat(CHUNK_SIZE * 9), A, new Map()), TypeError);
});
