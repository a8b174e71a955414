/**
 * SubIdIndex (sync/sub-id-index.ts): a user id per sub, UUIDs in a compact table, other subs in
 * a Map; checked against a plain Map over enough users to grow the table several times.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { SubIdIndex } from '../../../src/sync/sub-id-index.ts';

test('every UUID sub set is found with its id, through several growths', () => {
  const index = new SubIdIndex(10);
  const expected = new Map<string, number>();
  for (let id = 1; id <= 20_000; id++) {
    const sub = randomUUID();
    index.set(sub, id);
    expected.set(sub, id);
  }
  assert.equal(index.size, 20_000);
  for (const [sub, id] of expected) assert.equal(index.get(sub), id);
  for (let i = 0; i < 1000; i++) assert.equal(index.get(randomUUID()), undefined);
});

test('UUIDs that differ in one digit, in any word, are different keys', () => {
  const index = new SubIdIndex();
  const base = '0123abcd-4567-4890-abcd-ef0123456789';
  index.set(base, 1);
  let id = 2;
  for (let i = 0; i < base.length; i++) {
    if (base[i] === '-') continue;
    const other = base.slice(0, i) + (base[i] === 'f' ? 'e' : 'f') + base.slice(i + 1);
    index.set(other, id);
    assert.equal(index.get(other), id++);
  }
  assert.equal(index.get(base), 1);
  assert.equal(index.size, 33);
});

test('setting a sub again replaces its id', () => {
  const index = new SubIdIndex();
  const sub = randomUUID();
  index.set(sub, 5);
  index.set(sub, 9);
  assert.equal(index.get(sub), 9);
  assert.equal(index.size, 1);
});

test('subs that are not lower-case UUIDs, and ids the table cannot hold, are kept too', () => {
  const index = new SubIdIndex();
  const odd = [
    'user-1',
    '',
    '0123ABCD-4567-4890-ABCD-EF0123456789',
    '0123abcd-4567-4890-abcd-ef012345678g',
    '0123abcd_4567-4890-abcd-ef0123456789',
    '0123abcd-4567-4890-abcd-ef01234567890',
  ];
  for (const [i, sub] of odd.entries()) index.set(sub, i + 1);
  const big = randomUUID();
  index.set(big, 2 ** 33);
  const zero = randomUUID();
  index.set(zero, 0);
  for (const [i, sub] of odd.entries()) assert.equal(index.get(sub), i + 1);
  assert.equal(index.get(big), 2 ** 33);
  assert.equal(index.get(zero), 0);
  assert.equal(index.get('0123abcd-4567-4890-abcd-ef0123456789'), undefined);
  assert.equal(index.size, odd.length + 2);
});

test('a tenth more users than expected fit without growing the table', () => {
  const index = new SubIdIndex(10_000);
  const slots = index.slots;
  assert.equal(typeof slots, 'number');
  for (let id = 1; id <= 11_000; id++) index.set(randomUUID(), id);
  assert.equal(index.slots, slots);
});
