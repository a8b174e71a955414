import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CognitoAuthError } from '../../src/errors/errors.ts';
import { deriveSessionKeys, validateSecrets } from '../../src/session/keys.ts';
import { seal, sealedWithOldKey, unseal } from '../../src/session/seal.ts';

const S1 = 'first-secret-first-secret-first-secret!!';
const S2 = 'second-secret-second-secret-second-secret';

test('seal/unseal round-trips, with a fresh IV each time', () => {
  const k = deriveSessionKeys([S1]);
  const a = seal(k.session, 'ccg-session', 'hello ✓');
  const b = seal(k.session, 'ccg-session', 'hello ✓');
  assert.notEqual(a, b);
  assert.equal(unseal(k.session, 'ccg-session', a), 'hello ✓');
  assert.match(a, /^[A-Za-z0-9_-]+$/);
});

test('tampering, another purpose, another cookie name or another secret fail closed', () => {
  const k = deriveSessionKeys([S1]);
  const sealed = seal(k.session, 'ccg-session', '{"x":1}');
  for (let i = 0; i < sealed.length; i += 7) {
    const flipped = sealed.slice(0, i) + (sealed[i] === 'A' ? 'B' : 'A') + sealed.slice(i + 1);
    assert.equal(unseal(k.session, 'ccg-session', flipped), undefined, `byte ${i}`);
  }
  assert.equal(unseal(k.session, 'ccg-session', sealed.slice(0, -1)), undefined);
  assert.equal(unseal(k.session, 'other-name', sealed), undefined);
  assert.equal(unseal(k.loginState, 'ccg-session', sealed), undefined);
  assert.equal(unseal(deriveSessionKeys([S2]).session, 'ccg-session', sealed), undefined);
  assert.equal(unseal(k.session, 'ccg-session', ''), undefined);
  assert.equal(unseal(k.session, 'ccg-session', '!!!not base64!!!'.repeat(4)), undefined);
});

test('rotation: the first secret seals, every secret opens', () => {
  const old = deriveSessionKeys([S1]);
  const rotated = deriveSessionKeys([S2, S1]);
  const before = seal(old.session, 'n', 'v');
  assert.equal(unseal(rotated.session, 'n', before), 'v');
  assert.ok(sealedWithOldKey(rotated.session, before));
  const after = seal(rotated.session, 'n', 'v');
  assert.ok(!sealedWithOldKey(rotated.session, after));
  assert.equal(unseal(old.session, 'n', after), undefined);
});

test('secrets: at least one, 32+ bytes each; the error never quotes them', () => {
  for (const bad of [undefined, [], '', 'x'.repeat(31), [S1, 'tooshort-secret'], [42]]) {
    assert.throws(
      () => validateSecrets(bad),
      (e: unknown) =>
        e instanceof CognitoAuthError &&
        e.code === 'CONFIG_INVALID' &&
        !e.message.includes('tooshort-secret'),
    );
  }
  assert.deepEqual(validateSecrets(S1), [S1]);
  assert.deepEqual(validateSecrets([S1, S2]), [S1, S2]);
});
