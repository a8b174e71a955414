/** Trigger events are POSTed to a webhook, signed, retried on 5xx with the same event id, in order. */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDeleteUserCommand,
  AdminDisableUserCommand,
  AdminUpdateUserAttributesCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { verifyWebhook, WEBHOOK_HEADERS } from 'cognito-code-grant';
import {
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  DEMO_POOL_ID,
  hostedSignIn,
  type RunningEmulator,
  start,
} from '../src/index.ts';

const SECRET = 'test-webhook-secret';

interface Received {
  eventId: string;
  body: Record<string, any>;
  verified: boolean;
}

describe('trigger webhooks', () => {
  let emu: RunningEmulator;
  let receiver: Server;
  let received: Received[] = [];
  /** Answer the next N requests with HTTP 500. */
  let failNext = 0;
  let sdk: CognitoIdentityProviderClient;

  before(async () => {
    receiver = createServer(async (req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        verifyWebhook([SECRET], (n) => req.headers[n] as string | undefined, body);
        verified = true;
      } catch {}
      received.push({
        eventId: String(req.headers[WEBHOOK_HEADERS.eventId]),
        body: JSON.parse(body),
        verified,
      });
      res.statusCode = failNext-- > 0 ? 500 : 200;
      res.end('{}');
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    emu = await start({
      port: 0,
      webhook: { url: `http://127.0.0.1:${port}/hook`, secret: SECRET, backoffMs: 1 },
    });
    sdk = new CognitoIdentityProviderClient({
      endpoint: emu.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
  });
  after(async () => {
    sdk.destroy();
    await emu.stop();
    receiver.closeAllConnections();
    await new Promise((r) => receiver.close(r));
  });

  test('hosted login fires PostAuthentication and TokenGeneration_HostedAuth; refresh fires _RefreshTokens', async () => {
    received = [];
    const q = new URLSearchParams({
      client_id: DEMO_CLIENTS.web.clientId,
      redirect_uri: 'http://localhost:3000/auth/callback',
      response_type: 'code',
    });
    const r = await hostedSignIn({
      url: `${emu.url}/oauth2/authorize?${q}`,
      username: 'admin',
      password: DEMO_PASSWORD,
    });
    const tokenRes = await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: r.code!,
        redirect_uri: 'http://localhost:3000/auth/callback',
        client_id: DEMO_CLIENTS.web.clientId,
        client_secret: DEMO_CLIENTS.web.clientSecret,
      }),
    });
    const { refresh_token } = (await tokenRes.json()) as { refresh_token: string };
    await fetch(`${emu.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token,
        client_id: DEMO_CLIENTS.web.clientId,
        client_secret: DEMO_CLIENTS.web.clientSecret,
      }),
    });
    await emu.flushWebhooks();
    assert.deepEqual(
      received.map((e) => e.body['triggerSource']),
      ['PostAuthentication_Authentication', 'TokenGeneration_HostedAuth', 'TokenGeneration_RefreshTokens'],
    );
    assert.ok(received.every((e) => e.verified));
    const post = received[0]!.body;
    assert.deepEqual(Object.keys(post), [
      'version',
      'triggerSource',
      'region',
      'userPoolId',
      'userName',
      'callerContext',
      'request',
      'response',
    ]);
    assert.equal(post['version'], '1');
    assert.equal(post['region'], 'us-east-1');
    assert.equal(post['userPoolId'], DEMO_POOL_ID);
    assert.equal(post['userName'], 'admin');
    assert.equal(post['callerContext'].clientId, DEMO_CLIENTS.web.clientId);
    assert.equal(post['request'].userAttributes.email_verified, 'true');
    assert.equal(post['request'].userAttributes['cognito:user_status'], 'CONFIRMED');
    assert.equal(post['request'].newDeviceUsed, false);
    const pre = received[1]!.body;
    assert.deepEqual(pre['request'].groupConfiguration, {
      groupsToOverride: ['admins', 'editors'],
      iamRolesToOverride: [],
      preferredRole: null,
    });
    assert.deepEqual(pre['response'], { claimsOverrideDetails: null });
  });

  test('admin changes reach the webhook in order, as Emulator_* events', async () => {
    received = [];
    await sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: DEMO_POOL_ID,
        Username: 'hooked',
        UserAttributes: [{ Name: 'email', Value: 'hooked@example.com' }],
      }),
    );
    await sdk.send(
      new AdminUpdateUserAttributesCommand({
        UserPoolId: DEMO_POOL_ID,
        Username: 'hooked',
        UserAttributes: [{ Name: 'name', Value: 'Hook' }],
      }),
    );
    await sdk.send(new CreateGroupCommand({ UserPoolId: DEMO_POOL_ID, GroupName: 'hookers' }));
    await sdk.send(
      new AdminAddUserToGroupCommand({ UserPoolId: DEMO_POOL_ID, Username: 'hooked', GroupName: 'hookers' }),
    );
    await sdk.send(new AdminDisableUserCommand({ UserPoolId: DEMO_POOL_ID, Username: 'hooked' }));
    await sdk.send(new AdminDeleteUserCommand({ UserPoolId: DEMO_POOL_ID, Username: 'hooked' }));
    await emu.flushWebhooks();
    assert.deepEqual(
      received.map((e) => e.body['triggerSource']),
      [
        'Emulator_AdminCreateUser',
        'Emulator_AdminUpdateUserAttributes',
        'Emulator_CreateGroup',
        'Emulator_AdminAddUserToGroup',
        'Emulator_AdminDisableUser',
        'Emulator_AdminDeleteUser',
      ],
    );
    const [created, updated, group, added, disabled, deleted] = received.map((e) => e.body);
    assert.equal(created!['request'].userStatus, 'FORCE_CHANGE_PASSWORD');
    assert.equal(updated!['request'].userAttributes.name, 'Hook');
    assert.equal(group!['userName'], null);
    assert.equal(group!['request'].group.GroupName, 'hookers');
    assert.equal(added!['request'].groupName, 'hookers');
    assert.deepEqual(added!['request'].groups, ['hookers']);
    assert.equal(disabled!['request'].enabled, false);
    assert.equal(deleted!['request'].userAttributes.sub, created!['request'].userAttributes.sub);
  });

  test('5xx answers are retried with the same event id; 3 attempts at most', async () => {
    received = [];
    failNext = 2;
    const pool = emu.state.pool(DEMO_POOL_ID);
    emu.state.updateAttributes(pool, emu.state.getUser(pool, 'editor'), { name: 'Retry' });
    await emu.flushWebhooks();
    assert.equal(received.length, 3);
    assert.equal(new Set(received.map((e) => e.eventId)).size, 1);
    assert.ok(received.every((e) => e.verified));
    assert.equal(emu.triggers.at(-1)!.delivered, true);

    received = [];
    failNext = 5;
    emu.state.updateAttributes(pool, emu.state.getUser(pool, 'editor'), { name: 'Gives up' });
    emu.state.updateAttributes(pool, emu.state.getUser(pool, 'editor'), { name: 'Next one' });
    await emu.flushWebhooks();
    failNext = 0;
    assert.equal(received.length, 6); // 3 attempts each; the first event is given up, not blocking the second
    assert.equal(emu.triggers.at(-2)!.delivered, false);
    assert.equal(emu.triggers.at(-2)!.attempts, 3);
  });

  test('a password made permanent fires PostConfirmation_ConfirmSignUp once', async () => {
    received = [];
    const pool = emu.state.pool(DEMO_POOL_ID);
    const user = emu.state.adminCreateUser(pool, 'confirmme', {}, 'Temp-Passw0rd!');
    emu.state.setPassword(pool, user, 'Perm-Passw0rd!', true);
    emu.state.setPassword(pool, user, 'Perm-Passw0rd!2', true);
    await emu.flushWebhooks();
    assert.deepEqual(
      received.map((e) => e.body['triggerSource']),
      ['Emulator_AdminCreateUser', 'PostConfirmation_ConfirmSignUp'],
    );
  });
});
