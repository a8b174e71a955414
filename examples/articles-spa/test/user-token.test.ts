/**
 * docs/single-page-apps.md, "A user's token for curl": the emulator's user API gives a user's
 * access token to a plain HTTP client (InitiateAuth with USER_PASSWORD_AUTH, the request the
 * docs' curl line sends), and the Articles API accepts it as a bearer, with the user's groups.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DEMO_CLIENTS, DEMO_PASSWORD } from 'cognito-code-grant-emulator';
import { type RunningDemo, startDemo } from '../../articles/src/demo.ts';

describe("a user's token for curl, from the emulator", () => {
  let demo: RunningDemo;

  before(async () => {
    demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: ':memory:' });
  });
  after(async () => {
    await demo?.close();
  });

  /** What `curl ... -H 'x-amz-target: ...InitiateAuth' -d '{...}'` in the docs sends. */
  async function initiateAuth(username: string, password: string) {
    const res = await fetch(`${demo.emulatorUrl}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        AuthFlow: 'USER_PASSWORD_AUTH',
        ClientId: DEMO_CLIENTS.public.clientId,
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  }

  it('signs the editor in and the API accepts the access token, with the groups', async () => {
    const { status, body } = await initiateAuth('editor', DEMO_PASSWORD);
    assert.equal(status, 200, JSON.stringify(body));
    const token = body['AuthenticationResult']?.['AccessToken'];
    assert.equal(typeof token, 'string');
    const me = await fetch(`${demo.appUrl}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    const principal = (await me.json()) as Record<string, unknown>;
    assert.equal(principal['username'], 'editor');
    assert.deepEqual(principal['groups'], ['editors']);
    assert.equal(principal['clientId'], DEMO_CLIENTS.public.clientId);
    const created = await fetch(`${demo.appUrl}/api/articles`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'From curl' }),
    });
    assert.equal(created.status, 201);
  });

  it("refuses a wrong password with Cognito's exception name, and the API refuses the ID token", async () => {
    const wrong = await initiateAuth('editor', 'not-the-password');
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body['__type'], 'NotAuthorizedException');
    const { body } = await initiateAuth('reader', DEMO_PASSWORD);
    const idToken = body['AuthenticationResult']?.['IdToken'];
    const res = await fetch(`${demo.appUrl}/api/articles`, {
      headers: { authorization: `Bearer ${idToken}` },
    });
    assert.equal(res.status, 401);
  });
});
