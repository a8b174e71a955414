/** The sync's progress text: a total, a percentage and an ETA when the pool's size is known. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, progressFrame, progressLine, usersProgress } from '../../src/cli/progress.ts';
import type { SyncProgress } from '../../src/sync/sync.ts';

const at = (over: Partial<SyncProgress>): SyncProgress => ({
  phase: 'users',
  usersSeen: 0,
  groupsSeen: 0,
  usersTotal: undefined,
  elapsedMs: 0,
  ...over,
});

test('total, percentage and an ETA from the rate so far', () => {
  // 1 200 of 3 000 in 8 s: 1 800 left at 150/s is 12 s.
  assert.equal(
    usersProgress(at({ usersSeen: 1200, usersTotal: 3000, elapsedMs: 8000 })),
    '1200/3000 40% ETA 0:12',
  );
  assert.equal(
    progressLine(at({ usersSeen: 1200, usersTotal: 3000, elapsedMs: 8000 })),
    'users users=1200/3000 40% ETA 0:12 groups=0\n',
  );
  assert.match(
    progressFrame(at({ usersSeen: 1200, usersTotal: 3000, elapsedMs: 8000 })),
    /^\r. users {7}users 1200\/3000 40% ETA 0:12 {2}groups {6}0$/,
  );
});

test('no ETA before the first users, after the users phase, or past the estimate; no total without one', () => {
  assert.equal(usersProgress(at({ usersSeen: 0, usersTotal: 3000, elapsedMs: 500 })), '0/3000 0%');
  assert.equal(
    usersProgress(at({ phase: 'groups', usersSeen: 3000, usersTotal: 3000, elapsedMs: 9000 })),
    '3000/3000 100%',
  );
  // EstimatedNumberOfUsers is an estimate: the count may pass it.
  assert.equal(usersProgress(at({ usersSeen: 3100, usersTotal: 3000, elapsedMs: 9000 })), '3100/3000 100%');
  assert.equal(usersProgress(at({ usersSeen: 42 })), '42');
});

test('durations', () => {
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(61_400), '1:01');
  assert.equal(formatDuration(3_725_000), '1:02:05');
});
