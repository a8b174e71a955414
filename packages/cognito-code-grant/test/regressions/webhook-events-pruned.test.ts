/**
 * Review of issue 13 (class: unbounded counts). The events route kept one idempotence row per
 * delivered event (every sign-in, every token generation) for ever: `pruneWebhookEvents` existed
 * but nothing called it, so `cognito_webhook_events` grew without bound in every deployment.
 * A row is only needed while a replay of its event could still pass the timestamp check; the
 * route now deletes older rows itself (at most once per window). Through the public route over
 * a real SQLite database.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createReplica } from '../../src/store/kysely/replica.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook } from '../../src/trigger/signature.ts';
import { createDatabase } from '../../src/store/kysely/database.ts';
import { migrate } from '../../src/store/kysely/migrations/index.ts';
import { count, fakeClock, POOL } from '../replica/helpers.ts';

const SECRET = 'prune-secret-0123456789';
const MINUTE = 60_000;

test('idempotence rows older than the replay window are deleted by the route', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'ccg-prune-'));
  const db = await createDatabase(`sqlite:${join(dir, 'r.db')}`);
  t.after(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  await migrate(db);
  const clock = fakeClock();
  const replica = createReplica({ db, poolId: POOL, now: clock.now });
  const route = createCognitoEventsRoute({ replica, secrets: [SECRET], now: clock.now });
  const post = (sub: string, eventId: string, headersFrom?: Record<string, string>) => {
    const body = JSON.stringify({
      version: '1',
      triggerSource: 'PostAuthentication_Authentication',
      userPoolId: POOL,
      userName: sub,
      request: { userAttributes: { sub, email: `${sub}@example.com` } },
      response: {},
    });
    const headers = headersFrom ?? signWebhook(SECRET, body, { eventId, now: clock.now });
    const request = new Request('http://app.test/auth/cognito-events', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body,
    });
    return { response: route.handle(request), headers };
  };

  const first = post('prune-a', 'ev-prune-a');
  assert.equal((await first.response).status, 200);
  clock.advance(2 * MINUTE);
  assert.equal((await post('prune-b', 'ev-prune-b').response).status, 200);
  // Within the window: both rows stay (a replay of either is still a duplicate, not a new event).
  assert.equal(await count(db, 'cognito_webhook_events'), 2);
  const replay = await post('prune-a', 'ev-prune-a', first.headers).response;
  assert.deepEqual(await replay.json(), { ok: true, duplicate: true });

  clock.advance(60 * MINUTE);
  assert.equal((await post('prune-c', 'ev-prune-c').response).status, 200);
  assert.equal(await count(db, 'cognito_webhook_events'), 1, 'rows past the replay window are deleted');
  // And the old event cannot come back through the deleted row: its timestamp is stale.
  const late = await post('prune-a', 'ev-prune-a', first.headers).response;
  assert.equal(late.status, 401);
  assert.equal(((await late.json()) as { error: string }).error, 'WEBHOOK_STALE');
  assert.equal(await count(db, 'cognito_webhook_events'), 1);
});
