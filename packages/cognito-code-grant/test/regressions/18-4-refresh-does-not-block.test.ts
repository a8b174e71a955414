/**
 * Issue 18 item 4: a slow token endpoint must not stall a session whose access token still
 * works. Inside the refresh margin the request goes on with the current token while the refresh
 * runs (single flight); only an expired token waits for it. Cookie mode hands the new tokens to
 * the session's next request; once this process has seen Cognito rotate a refresh token, cookie
 * mode waits again (a rotated refresh token must reach the browser).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Mode, setup } from '../login/harness.ts';

/** Stalls the fake token endpoint's refresh answers until `release()`. */
function stallRefresh(h: ReturnType<typeof setup>) {
  let release!: () => void;
  h.fake.refreshGate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const entered = new Promise<void>((resolve) => {
    h.fake.onRefresh = resolve;
  });
  // 'blocked' once the refresh has reached the stalled endpoint and everything else runnable ran.
  const blocked = entered.then(() => new Promise<'blocked'>((r) => setImmediate(() => r('blocked'))));
  return { release: () => release(), entered, blocked };
}

for (const mode of ['store', 'cookie'] as Mode[]) {
  describe(`${mode} mode`, () => {
    test('a request inside the refresh margin is answered while the refresh hangs', async () => {
      const h = setup(mode);
      await h.signIn();
      const before = (await h.authenticate()).principal!;
      h.clock.t += 3600_000 - 30_000; // 30 s of validity left, inside the 60 s margin
      const stall = stallRefresh(h);
      const requests = [h.authenticate(), h.authenticate(), h.authenticate()];
      const first = await Promise.race([requests[0]!, stall.blocked]);
      assert.notEqual(first, 'blocked', 'the request waited for the token endpoint');
      const outcomes = await Promise.all(requests);
      for (const out of outcomes) {
        assert.equal(out.principal?.expiresAt, before.expiresAt);
        assert.deepEqual(out.setCookies, [], 'nothing new to write yet');
      }
      await stall.entered;
      assert.equal(h.fake.calls.refresh, 1, 'one refresh for all of them');
      stall.release();
      await h.settle();
      const next = await h.authenticate();
      assert.ok(next.principal!.expiresAt > before.expiresAt, 'the next request sees the refreshed session');
      if (mode === 'cookie') assert.ok(next.setCookies.length > 0, 'its answer carries the new cookie');
      const after = await h.authenticate();
      assert.equal(after.principal?.expiresAt, next.principal?.expiresAt, 'the browser kept the new cookie');
      assert.equal(h.fake.calls.refresh, 1);
    });

    test('an expired token still waits for the refresh', async () => {
      const h = setup(mode);
      await h.signIn();
      const before = (await h.authenticate()).principal!;
      h.clock.t += 3600_000 + 1000;
      const out = await h.authenticate();
      assert.equal(h.fake.calls.refresh, 1);
      assert.ok(out.principal!.expiresAt > before.expiresAt);
    });
  });
}

test('cookie mode: a background refresh result still reaches a browser that comes back after expiry', async () => {
  const h = setup('cookie');
  h.fake.rotate = true;
  await h.signIn();
  h.clock.t += 3600_000 - 30_000;
  await h.authenticate(); // starts the refresh, answered with the old cookie
  await h.settle();
  assert.equal(h.fake.calls.refresh, 1);
  h.clock.t += 45_000; // the old access token has expired; the old refresh token was rotated away
  const out = await h.authenticate();
  assert.equal(h.fake.calls.refresh, 1, 'the kept result, not a refresh with the rotated-away token');
  assert.ok(out.setCookies.length > 0);
  h.clock.t += 3600_000;
  await h.authenticate();
  assert.equal(h.fake.lastTokenRequest?.body.get('refresh_token'), 'rt-3', 'the rotated token is in use');
});

test('cookie mode: once Cognito rotates refresh tokens, a refresh inside the margin waits', async () => {
  const h = setup('cookie');
  h.fake.rotate = true;
  await h.signIn();
  h.clock.t += 3600_000 + 1000; // expired: this refresh waits, and shows rotation
  await h.authenticate();
  assert.equal(h.fake.calls.refresh, 1);
  h.clock.t += 3600_000 - 30_000; // inside the margin of the refreshed token
  const out = await h.authenticate();
  assert.equal(h.fake.calls.refresh, 2, 'refreshed before answering');
  assert.ok(out.setCookies.length > 0, 'the rotated refresh token travels in this answer');
});
