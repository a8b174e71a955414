/**
 * Browsers call the cognito-idp endpoint cross-origin (Amplify in a single-page app): the
 * preflight is answered and every answer, errors included, is readable by any origin.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLIENTS, type RunningEmulator, start } from '../src/index.ts';

describe('CORS on the cognito-idp endpoint', () => {
  let emu: RunningEmulator;
  before(async () => {
    emu = await start({ port: 0 });
  });
  after(async () => {
    await emu.stop();
  });

  test('preflight allows POST with the headers Amplify sends', async () => {
    const res = await fetch(`${emu.url}/`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'cache-control,content-type,x-amz-target,x-amz-user-agent',
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    for (const h of ['cache-control', 'content-type', 'x-amz-target', 'x-amz-user-agent']) {
      assert.match(res.headers.get('access-control-allow-headers') ?? '', new RegExp(h));
    }
  });

  test('errors carry CORS headers and the error type a browser client can read', async () => {
    const res = await fetch(`${emu.url}/`, {
      method: 'POST',
      headers: {
        origin: 'http://localhost:5173',
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
      },
      body: JSON.stringify({
        ClientId: DEMO_CLIENTS.public.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'admin', PASSWORD: 'wrong' },
      }),
    });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.match(res.headers.get('access-control-expose-headers') ?? '', /x-amzn-ErrorType/);
    assert.equal(res.headers.get('x-amzn-errortype'), 'NotAuthorizedException:');
    assert.deepEqual(await res.json(), {
      __type: 'NotAuthorizedException',
      message: 'Incorrect username or password.',
    });
  });

  test('the code endpoint is readable cross-origin too', async () => {
    const res = await fetch(`${emu.url}/_emulator/codes`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.deepEqual(await res.json(), { codes: [] });
  });
});
