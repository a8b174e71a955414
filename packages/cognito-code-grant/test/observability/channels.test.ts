/**
 * The diagnostics channels: each event is published where it happens, with the documented
 * payload, never a token, secret or cookie; and nothing is published (no payload built) when
 * nobody subscribes.
 */
import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { after, before, describe, test } from 'node:test';
import { CHANNELS } from '../../src/index.ts';
import { createCognitoVerifier } from '../../src/jwt/verifier.ts';
import { channels } from '../../src/observability/channels.ts';
import { createCognitoEventsRoute } from '../../src/trigger/events-route.ts';
import { signWebhook } from '../../src/trigger/signature.ts';
import { createDatabase } from '../../src/store/kysely/database.ts';
import { createReplica, migrate } from '../../src/store/kysely/index.ts';
import { APP, SECRET, setup } from '../login/harness.ts';

type Seen = { channel: string; event: Record<string, unknown> }[];

/** Subscribes to every channel; `stop()` unsubscribes. */
function listen(): { seen: Seen; stop(): void; of(name: string): Record<string, unknown>[] } {
  const seen: Seen = [];
  const listeners = Object.values(CHANNELS).map((name) => {
    const fn = (event: unknown) => seen.push({ channel: name, event: event as Record<string, unknown> });
    subscribe(name, fn);
    return [name, fn] as const;
  });
  return {
    seen,
    stop: () => {
      for (const [name, fn] of listeners) unsubscribe(name, fn);
    },
    of: (name) => seen.filter((s) => s.channel === name).map((s) => s.event),
  };
}

/** No published text holds any of `secrets` (tokens, cookies, client and session secrets). */
function assertNoSecrets(seen: Seen, secrets: readonly string[]): void {
  const text = JSON.stringify(seen);
  for (const secret of secrets.filter((s) => s.length >= 8)) {
    assert.ok(!text.includes(secret), `an event carries a secret: ${secret.slice(0, 12)}...`);
  }
  assert.doesNotMatch(text, /eyJ[\w-]{10,}/, 'an event carries a JWT');
}

test('channel names are the documented ones', () => {
  assert.deepEqual(CHANNELS, {
    signIn: 'cognito-code-grant:login:signin',
    signOut: 'cognito-code-grant:login:signout',
    refresh: 'cognito-code-grant:session:refresh',
    tokenRefused: 'cognito-code-grant:token:refused',
    jwksFetch: 'cognito-code-grant:jwks:fetch',
    replicaWrite: 'cognito-code-grant:replica:write',
    webhookEvent: 'cognito-code-grant:webhook:event',
    signatureThread: 'cognito-code-grant:signature-thread',
  });
});

describe('login events', () => {
  test('sign-in, refresh, sign-out and a failed sign-in, with no token, cookie or secret', async () => {
    const events = listen();
    try {
      const h = setup('store', { clientSecret: 'client-secret-value-123' });
      const signedIn = await h.signIn({ sub: 'user-1', username: 'alice' });
      assert.equal(signedIn.status, 302);
      // Past the access token's expiry: the next request refreshes at Cognito.
      h.clock.t += 3600_000;
      const outcome = await h.authenticate();
      assert.equal(outcome.principal?.sub, 'user-1');
      const me = await h.call('GET', '/auth/me');
      const { csrfToken } = (await me.json()) as { csrfToken: string };
      const out = await h.call('POST', '/auth/logout', {
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: APP },
        body: `csrf=${encodeURIComponent(csrfToken)}`,
      });
      assert.ok(out.status === 302 || out.status === 303, String(out.status));
      const stray = await h.call('GET', '/auth/callback?code=abc&state=forged');
      assert.equal(stray.status, 400);

      const pool = { userPoolId: h.fake.pool.userPoolId, clientId: h.fake.pool.clientId };
      assert.deepEqual(events.of(CHANNELS.signIn), [
        { outcome: 'success', ...pool, sub: 'user-1' },
        { outcome: 'failure', ...pool, code: 'LOGIN_STATE_MISSING' },
      ]);
      const [refresh] = events.of(CHANNELS.refresh);
      assert.deepEqual({ ...refresh, durationMs: 0 }, { outcome: 'success', sub: 'user-1', durationMs: 0 });
      assert.equal(typeof refresh?.['durationMs'], 'number');
      assert.deepEqual(events.of(CHANNELS.signOut), [{ reason: 'logout', sub: 'user-1' }]);
      const cookies = h.jar.header('/') ?? '';
      assertNoSecrets(events.seen, [
        SECRET,
        'client-secret-value-123',
        csrfToken,
        ...[...h.fake.revoked],
        ...cookies.split(/[;=]\s*/),
      ]);
    } finally {
      events.stop();
    }
  });
});

describe('verifier and keys', () => {
  test('a refused token is published with its code and the expected use; a JWKS fetch with its outcome', async () => {
    const h = setup('cookie');
    const verifier = createCognitoVerifier({
      pools: h.fake.pool,
      fetch: h.fake.fetch as never,
      now: () => h.clock.t,
    });
    const events = listen();
    try {
      const id = h.fake.testPool.idToken({ sub: 'user-2' });
      await assert.rejects(verifier.verify(id), { code: 'TOKEN_USE_INVALID' });
      assert.throws(() => verifier.verifySync('not-a-token'), { code: 'TOKEN_MALFORMED' });
      assert.equal((await verifier.verify(id, { tokenUse: 'id' })).claims.sub, 'user-2');
      assert.deepEqual(events.of(CHANNELS.tokenRefused), [
        { code: 'TOKEN_USE_INVALID', tokenUse: 'access' },
        { code: 'TOKEN_MALFORMED', tokenUse: 'access' },
      ]);
      const [fetch] = events.of(CHANNELS.jwksFetch);
      assert.equal(fetch?.['outcome'], 'success');
      assert.equal(fetch?.['jwksUri'], h.fake.pool.jwksUri);
      assert.ok((fetch?.['keys'] as number) >= 1);
      assertNoSecrets(events.seen, id.split('.'));
    } finally {
      events.stop();
    }
  });

  test('nobody subscribed: nothing is published, no payload built', async () => {
    for (const c of Object.values(channels)) assert.equal(c.hasSubscribers, false);
    const h = setup('cookie');
    const verifier = createCognitoVerifier({
      pools: h.fake.pool,
      fetch: h.fake.fetch as never,
      now: () => h.clock.t,
    });
    const all = Object.values(channels) as { publish: unknown }[];
    try {
      // An own property shadows the prototype's publish (Node swaps the prototype on subscribe).
      for (const c of all) c.publish = () => assert.fail('published without subscribers');
      await assert.rejects(verifier.verify(h.fake.testPool.idToken()), { code: 'TOKEN_USE_INVALID' });
      assert.equal((await h.signIn()).status, 302);
      await h.call('GET', '/auth/callback?code=abc&state=forged');
    } finally {
      for (const c of all) delete c.publish;
    }
  });
});

describe('replica and webhook events', () => {
  const POOL = 'eu-west-1_ObsPool1';
  const HOOK_SECRET = 'observability-webhook-secret-0123';
  let db: Awaited<ReturnType<typeof createDatabase>>;
  before(async () => {
    db = await createDatabase('sqlite::memory:');
    await migrate(db);
  });
  after(async () => {
    await db?.destroy();
  });

  test('an applied trigger event: webhook applied and replica write; a bad signature: refused', async () => {
    const replica = createReplica({ db, poolId: POOL });
    const route = createCognitoEventsRoute({ replica, secrets: [HOOK_SECRET] });
    const events = listen();
    try {
      const body = JSON.stringify({
        version: '1',
        triggerSource: 'PostConfirmation_ConfirmSignUp',
        region: 'eu-west-1',
        userPoolId: POOL,
        userName: 'carol',
        request: {
          userAttributes: { sub: 'sub-carol', email: 'carol@example.com', email_verified: 'true' },
        },
        response: {},
      });
      const post = (headers: Record<string, string>) =>
        route.handle(
          new Request('http://localhost/auth/cognito-events', {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body,
          }),
        );
      const ok = await post(signWebhook(HOOK_SECRET, body, { eventId: 'ev-obs-1' }));
      assert.equal(ok.status, 200, await ok.clone().text());
      const bad = await post(signWebhook('another-secret-of-the-same-size!!', body, { eventId: 'ev-obs-2' }));
      assert.equal(bad.status, 401);
      assert.deepEqual(events.of(CHANNELS.webhookEvent), [
        { outcome: 'applied', triggerSource: 'PostConfirmation_ConfirmSignUp' },
        { outcome: 'refused', code: 'WEBHOOK_SIGNATURE_INVALID' },
      ]);
      assert.deepEqual(events.of(CHANNELS.replicaWrite)[0], {
        operation: 'userCreated',
        userPoolId: POOL,
        sub: 'sub-carol',
        source: 'webhook',
      });
      assertNoSecrets(events.seen, [HOOK_SECRET]);
    } finally {
      events.stop();
    }
  });
});
