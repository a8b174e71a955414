import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeReturnTo } from '../../src/http/login/return-to.ts';

test('same-origin relative paths are kept (with query and fragment)', () => {
  for (const ok of [
    '/',
    '/articles',
    '/articles?page=2&q=a%20b',
    '/a/b#c',
    '/%E2%9C%93',
    '/a:b',
    '/path;x=1',
  ]) {
    assert.equal(safeReturnTo(ok), ok, ok);
  }
});

test('everything that could leave the origin falls back to /', () => {
  const probes = [
    '//evil.example',
    '///evil.example',
    '/\\evil.example',
    '\\\\evil.example',
    '\\/evil.example',
    'https:evil.example',
    'https://evil.example',
    'http:/evil.example',
    'javascript:alert(1)',
    'data:text/html,x',
    'evil.example',
    '',
    ' /x',
    '/%2F%2Fevil.example',
    '/%2f/evil.example',
    '%2F%2Fevil.example',
    '/%5Cevil.example',
    '/%5cevil.example',
    '/%252F%252Fevil.example',
    '/\t/evil.example',
    '/%09/evil.example',
    '/\n/evil.example',
    '/%0A/evil.example',
    '/\r\n/evil.example',
    '/%0d%0aSet-Cookie:x=y',
    '/\u0000',
    '/x\u007f',
    '/\u2028evil',
    '/ /evil',
    '/%E0%A4%A', // malformed percent-encoding
    `/${'a'.repeat(3000)}`,
  ];
  for (const probe of probes) assert.equal(safeReturnTo(probe), '/', JSON.stringify(probe));
});

test('non-strings fall back to /', () => {
  assert.equal(safeReturnTo(null), '/');
  assert.equal(safeReturnTo(undefined), '/');
  assert.equal(safeReturnTo(42 as unknown as string), '/');
});
