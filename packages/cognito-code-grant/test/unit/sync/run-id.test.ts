import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { syncRunId } from '../../../src/sync/run-id.ts';

test('run ids sort by their start, and after the UUID run ids of earlier versions', () => {
  const a = syncRunId(1_765_000_000_000);
  const b = syncRunId(1_765_000_000_001);
  assert.ok(a < b);
  assert.ok(syncRunId(0) < a, 'fixed width: an early start sorts first');
  for (let i = 0; i < 100; i++) assert.ok(randomUUID() < syncRunId(0));
  assert.ok(a.length <= 64, 'fits seen_run varchar(64)');
  assert.match(a, /^t[0-9]{13}[0-9a-f]{16}$/);
  assert.notEqual(syncRunId(5), syncRunId(5), 'two runs started in the same millisecond differ');
});
