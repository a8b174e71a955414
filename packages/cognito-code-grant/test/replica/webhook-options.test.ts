/**
 * Options of the events route and of verifyWebhook that would switch a check off are refused
 * (no database: the replica is a stub that records writes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hasErrorCode } from '../../src/errors/errors.ts';
import type { Replica } from '../../src/replica/types.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook, verifyWebhook } from '../../src/trigger/signature.ts';
import { fakeClock, POOL } from './helpers.ts';

const SECRET = 'options-secret-0123456789';
const isCode = (code: 'CONFIG_INVALID' | 'WEBHOOK_STALE') => (e: unknown) => hasErrorCode(e, code);

function stubReplica(poolId: string | undefined, writes: string[]): Replica {
  return {
    poolId,
    async claimWebhookEvent() {
      writes.push('claim');
      return 'new';
    },
    async releaseWebhookEvent() {},
    async pruneWebhookEvents() {
      return 0;
    },
    async applyUserState() {
      writes.push('apply');
    },
  } as unknown as Replica;
}

const BAD_TOLERANCES = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -5, 1.5, 901];

test('toleranceSeconds that is not an integer from 1 to 900 is refused when the route is created', () => {
  const replica = stubReplica(POOL, []);
  for (const toleranceSeconds of BAD_TOLERANCES) {
    assert.throws(
      () => createCognitoEventsRoute({ replica, secrets: [SECRET], toleranceSeconds }),
      isCode('CONFIG_INVALID'),
      String(toleranceSeconds),
    );
  }
  assert.ok(createCognitoEventsRoute({ replica, secrets: [SECRET], toleranceSeconds: 900 }));
  assert.ok(createCognitoEventsRoute({ replica, secrets: [SECRET], toleranceSeconds: 1 }));
});

test('verifyWebhook refuses a tolerance that would disable the window, and keeps it otherwise', () => {
  const clock = fakeClock();
  const body = '{}';
  const headers = signWebhook(SECRET, body, { eventId: 'ev-1', now: () => clock.now() - 3_600_000 });
  const get = (name: string) => headers[name];
  for (const toleranceSeconds of BAD_TOLERANCES) {
    assert.throws(
      () => verifyWebhook([SECRET], get, body, { now: clock.now, toleranceSeconds }),
      isCode('CONFIG_INVALID'),
      String(toleranceSeconds),
    );
  }
  assert.throws(
    () => verifyWebhook([SECRET], get, body, { now: clock.now, toleranceSeconds: 900 }),
    isCode('WEBHOOK_STALE'),
  );
  assert.equal(verifyWebhook([SECRET], get, body, { now: () => clock.now() - 3_600_000 }).eventId, 'ev-1');
});

test('the events route needs a pool id and refuses another pool before writing', async () => {
  assert.throws(
    () => createCognitoEventsRoute({ replica: stubReplica(undefined, []), secrets: [SECRET] }),
    isCode('CONFIG_INVALID'),
  );
  assert.throws(
    () =>
      createCognitoEventsRoute({
        replica: stubReplica(undefined, []),
        secrets: [SECRET],
        userPoolId: 'not a pool id',
      }),
    isCode('CONFIG_INVALID'),
  );
  const writes: string[] = [];
  const clock = fakeClock();
  const route = createCognitoEventsRoute({
    replica: stubReplica(undefined, writes),
    secrets: [SECRET],
    userPoolId: POOL,
    now: clock.now,
  });
  const post = (userPoolId: string, eventId: string) => {
    const body = JSON.stringify({
      triggerSource: 'PostConfirmation_ConfirmSignUp',
      userPoolId,
      userName: 'jdoe',
      request: { userAttributes: { sub: 's-1', email: 'j@example.com' } },
    });
    const headers = signWebhook(SECRET, body, { eventId, now: clock.now });
    return route.handle(
      new Request('http://app.test/auth/cognito-events', { method: 'POST', headers, body }),
    );
  };
  const foreign = await post('eu-west-1_OtherPool', 'ev-foreign');
  assert.equal(foreign.status, 400);
  assert.equal(((await foreign.json()) as { error: string }).error, 'WEBHOOK_PAYLOAD_INVALID');
  assert.deepEqual(writes, []);
  assert.equal((await post(POOL, 'ev-own')).status, 200);
  assert.deepEqual(writes, ['claim', 'apply']);
});

test('the events route answers another method with 405, Allow: POST, nothing written', async () => {
  const writes: string[] = [];
  const route = createCognitoEventsRoute({ replica: stubReplica(POOL, writes), secrets: [SECRET] });
  const res = await route.handle(
    new Request('http://app.test/auth/cognito-events', { method: 'PUT', body: '{}' }),
  );
  assert.equal(res.status, 405);
  assert.equal(res.headers.get('allow'), 'POST');
  assert.equal(((await res.json()) as { error: string }).error, 'BAD_REQUEST');
  assert.deepEqual(writes, []);
});
