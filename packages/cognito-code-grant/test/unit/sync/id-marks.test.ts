import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IdMarks } from '../../../src/sync/id-marks.ts';

test('an id is marked once, whatever came between', () => {
  const marks = new IdMarks();
  assert.equal(marks.mark(1), true);
  assert.equal(marks.mark(2), true);
  assert.equal(marks.mark(1), false);
  // Past the first bitmap's end (it grows) and back.
  assert.equal(marks.mark(1_000_000), true);
  assert.equal(marks.mark(2), false);
  assert.equal(marks.mark(1_000_000), false);
  assert.equal(marks.mark(999_999), true);
  assert.equal(marks.mark(1_000_001), true);
});

test('ids too large for the bitmap are marked once too, without a bitmap of their size', () => {
  const marks = new IdMarks();
  const large = 2 ** 31 - 1;
  assert.equal(marks.mark(large), true);
  assert.equal(marks.mark(large), false);
  assert.equal(marks.mark(2 ** 26), true);
  assert.equal(marks.mark(2 ** 26 - 1), true);
  assert.equal(marks.mark(2 ** 26), false);
  assert.equal(marks.mark(2 ** 26 - 1), false);
  assert.ok((marks as unknown as { bits: Uint8Array }).bits.length <= 2 ** 23, 'at most 8 MB');
  // A jump close to the cap, then one more: the bitmap stops at 8 MB instead of doubling.
  assert.equal(marks.mark(40_000_000), true);
  assert.equal(marks.mark(2 ** 26 - 2), true);
  assert.ok((marks as unknown as { bits: Uint8Array }).bits.length <= 2 ** 23, 'still at most 8 MB');
  // Negative ids (never row ids) do not index the bitmap.
  assert.equal(marks.mark(-1), true);
  assert.equal(marks.mark(-1), false);
  assert.ok((marks as unknown as { bits: Uint8Array }).bits.length <= 2 ** 23);
});
