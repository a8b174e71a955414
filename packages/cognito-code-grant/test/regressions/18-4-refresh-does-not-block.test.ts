/**
 * Issue 18 item 4: a slow token endpoint must not stall a session whose access token still
 * works. Store mode: inside the refresh margin the request goes on with the current token while
 * the refresh runs (single flight); only an expired token waits for it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setup } from '../login/harness.ts';

test('store mode: a request inside the refresh margin is answered while the refresh hangs', async () => {
  const h = setup('store');
  await h.signIn();
  const before = (await h.authenticate()).principal!;
  h.clock.t += 3600_000 - 30_000; // 30 s of validity left, inside the 60 s margin
  let release!: () => void;
  h.fake.refreshGate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entered = new Promise<void>((resolve) => {
    h.fake.onRefresh = resolve;
  });
  // Answered, or still waiting once the refresh has reached the (stalled) token endpoint and
  // everything else runnable has run.
  const blocked = entered.then(() => new Promise<'blocked'>((r) => setImmediate(() => r('blocked'))));
  const requests = [h.authenticate(), h.authenticate(), h.authenticate()];
  const first = await Promise.race([requests[0]!, blocked]);
  assert.notEqual(first, 'blocked', 'the request waited for the token endpoint');
  const outcomes = await Promise.all(requests);
  for (const out of outcomes) assert.equal(out.principal?.expiresAt, before.expiresAt);
  await entered;
  assert.equal(h.fake.calls.refresh, 1, 'one refresh for all of them');
  release();
  await h.settle();
  const after = (await h.authenticate()).principal!;
  assert.ok(after.expiresAt > before.expiresAt, 'the next request sees the refreshed session');
  assert.equal(h.fake.calls.refresh, 1);
});

test('store mode: an expired token still waits for the refresh', async () => {
  const h = setup('store');
  await h.signIn();
  const before = (await h.authenticate()).principal!;
  h.clock.t += 3600_000 + 1000;
  const out = await h.authenticate();
  assert.equal(h.fake.calls.refresh, 1);
  assert.ok(out.principal!.expiresAt > before.expiresAt);
});
