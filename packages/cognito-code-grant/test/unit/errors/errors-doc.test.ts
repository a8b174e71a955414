import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  CognitoAuthError,
  ERROR_CODES,
  ERROR_STATUS,
  hasErrorCode,
  isCognitoAuthError,
} from '../../../src/index.ts';

const doc = readFileSync(new URL('../../../../../docs/errors.md', import.meta.url), 'utf8');
const documented = new Map(
  [...doc.matchAll(/^\| `([A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1]!, Number(m[2])] as const),
);

test('every error code is documented in docs/errors.md with its status', () => {
  for (const code of ERROR_CODES) {
    assert.ok(documented.has(code), `${code} is missing from docs/errors.md`);
    assert.equal(documented.get(code), ERROR_STATUS[code], `${code} has another status in docs/errors.md`);
  }
});

test('docs/errors.md documents no code the library does not have', () => {
  for (const code of documented.keys())
    assert.ok(code in ERROR_STATUS, `${code} is documented but not defined`);
});

test('errors carry code and status, and are recognised without instanceof', () => {
  const err = new CognitoAuthError('TOKEN_EXPIRED', 'expired', { cause: new Error('low level') });
  assert.equal(err.status, 401);
  assert.ok(isCognitoAuthError(err));
  assert.ok(hasErrorCode(err, 'TOKEN_EXPIRED'));
  assert.ok(!hasErrorCode(err, 'TOKEN_MALFORMED'));
  assert.ok(!isCognitoAuthError(new Error('x')));
  assert.deepEqual(JSON.parse(JSON.stringify(err)), { error: 'TOKEN_EXPIRED', message: 'expired' });
});
