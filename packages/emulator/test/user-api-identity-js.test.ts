/**
 * amazon-cognito-identity-js (the SRP client Amplify grew from) against the emulator's user API:
 * sign up, confirm with the code from `GET /_emulator/codes`, SRP sign-in (the client side of
 * SRP is the library's, not the emulator's), attributes, password change, forgot password,
 * refresh and global sign-out, each refusal with Cognito's exception name.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  AuthenticationDetails,
  CognitoUser,
  CognitoUserAttribute,
  CognitoUserPool,
  type CognitoUserSession,
} from 'amazon-cognito-identity-js';
import { DEMO_CLIENTS, DEMO_PASSWORD, DEMO_POOL_ID, type RunningEmulator, start } from '../src/index.ts';

const NEW_PASSWORD = 'N3w-Passw0rd!';

function claims(jwt: string): Record<string, any> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

async function rejectsWith(p: Promise<unknown>, name: string, message?: string): Promise<void> {
  await assert.rejects(p, (err: Error & { code?: string }) => {
    assert.equal(err.code ?? err.name, name, `${err.name}: ${err.message}`);
    if (message) assert.equal(err.message, message);
    return true;
  });
}

describe('user API through amazon-cognito-identity-js', () => {
  let emu: RunningEmulator;
  let pool: CognitoUserPool;

  const user = (username: string) => new CognitoUser({ Username: username, Pool: pool });

  const signIn = (username: string, password: string) =>
    new Promise<CognitoUserSession>((resolve, reject) => {
      const u = user(username);
      u.setAuthenticationFlowType('USER_SRP_AUTH');
      u.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
        onSuccess: resolve,
        onFailure: reject,
        newPasswordRequired: () => reject(new Error('newPasswordRequired')),
      });
    });

  const signedIn = async (username: string, password: string) => {
    const u = user(username);
    const session = await new Promise<CognitoUserSession>((resolve, reject) =>
      u.authenticateUser(new AuthenticationDetails({ Username: username, Password: password }), {
        onSuccess: resolve,
        onFailure: reject,
      }),
    );
    return { u, session };
  };

  const codeOf = async (username: string, purpose: string): Promise<string> => {
    const res = await fetch(`${emu.url}/_emulator/codes?username=${encodeURIComponent(username)}`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { codes: { purpose: string; code: string }[] };
    const found = body.codes.filter((c) => c.purpose === purpose).at(-1);
    assert.ok(found, `no ${purpose} code for ${username}`);
    return found.code;
  };

  before(async () => {
    emu = await start({ port: 0 });
    pool = new CognitoUserPool({
      UserPoolId: DEMO_POOL_ID,
      ClientId: DEMO_CLIENTS.public.clientId,
      endpoint: `${emu.url}/`,
    });
  });
  after(async () => {
    await emu.stop();
  });

  test('sign up, confirm with the code, SRP sign-in; tokens shaped as Cognito SDK tokens', async () => {
    const result = await new Promise<any>((resolve, reject) =>
      pool.signUp(
        'alice',
        DEMO_PASSWORD,
        [new CognitoUserAttribute({ Name: 'email', Value: 'alice@example.com' })],
        [],
        (err, data) => (err ? reject(err) : resolve(data)),
      ),
    );
    assert.equal(result.userConfirmed, false);
    assert.match(result.userSub, /^[0-9a-f-]{36}$/);
    assert.deepEqual(result.codeDeliveryDetails, {
      Destination: 'a***@e***',
      DeliveryMedium: 'EMAIL',
      AttributeName: 'email',
    });

    await rejectsWith(signIn('alice', DEMO_PASSWORD), 'UserNotConfirmedException', 'User is not confirmed.');
    await rejectsWith(
      new Promise((resolve, reject) =>
        user('alice').confirmRegistration('000000', true, (err, data) => (err ? reject(err) : resolve(data))),
      ),
      'CodeMismatchException',
    );
    const code = await codeOf('alice', 'signup');
    await new Promise((resolve, reject) =>
      user('alice').confirmRegistration(code, true, (err, data) => (err ? reject(err) : resolve(data))),
    );
    // The code is single use.
    await rejectsWith(
      new Promise((resolve, reject) =>
        user('alice').confirmRegistration(code, true, (err, data) => (err ? reject(err) : resolve(data))),
      ),
      'NotAuthorizedException',
      'User cannot be confirmed. Current status is CONFIRMED',
    );

    const session = await signIn('alice', DEMO_PASSWORD);
    const id = claims(session.getIdToken().getJwtToken());
    const access = claims(session.getAccessToken().getJwtToken());
    assert.equal(id['cognito:username'], 'alice');
    assert.equal(id['email_verified'], true, 'confirming by e-mail code verifies the e-mail');
    assert.equal(id['aud'], DEMO_CLIENTS.public.clientId);
    assert.equal(id['token_use'], 'id');
    assert.equal(id['at_hash'], undefined, 'SDK ID tokens carry no at_hash');
    for (const name of ['origin_jti', 'event_id', 'jti']) assert.equal(typeof id[name], 'string', name);
    assert.equal(id['origin_jti'], access['origin_jti']);
    assert.equal(id['event_id'], access['event_id']);
    assert.equal(access['scope'], 'aws.cognito.signin.user.admin');
    assert.equal(access['username'], 'alice');
    assert.equal(access['client_id'], DEMO_CLIENTS.public.clientId);
    assert.equal(access['version'], 2);
    assert.equal(access['auth_time'], access['iat']);
    assert.equal(id['iss'], emu.issuer());
  });

  test('SRP with a wrong password, an unknown user, an e-mail alias', async () => {
    await rejectsWith(
      signIn('editor', 'Wr0ng-password!'),
      'NotAuthorizedException',
      'Incorrect username or password.',
    );
    // PreventUserExistenceErrors (Cognito's default): an unknown user fails like a wrong password.
    await rejectsWith(
      signIn('nobody', DEMO_PASSWORD),
      'NotAuthorizedException',
      'Incorrect username or password.',
    );
    // USER_ID_FOR_SRP is the real username; the client recomputes with it.
    const session = await signIn('editor@example.com', DEMO_PASSWORD);
    assert.equal(claims(session.getIdToken().getJwtToken())['cognito:username'], 'editor');
  });

  test('attributes, change password, refresh, global sign-out', async () => {
    const { u, session } = await signedIn('reader', DEMO_PASSWORD);
    const attributes = await new Promise<any[]>((resolve, reject) =>
      u.getUserAttributes((err, data) => (err ? reject(err) : resolve(data ?? []))),
    );
    assert.equal(attributes.find((a) => a.Name === 'email')?.Value, 'reader@example.com');

    await rejectsWith(
      new Promise((resolve, reject) =>
        u.changePassword('Wr0ng-password!', NEW_PASSWORD, (err, data) => (err ? reject(err) : resolve(data))),
      ),
      'NotAuthorizedException',
    );
    await rejectsWith(
      new Promise((resolve, reject) =>
        u.changePassword(DEMO_PASSWORD, 'short', (err, data) => (err ? reject(err) : resolve(data))),
      ),
      'InvalidPasswordException',
    );
    await new Promise((resolve, reject) =>
      u.changePassword(DEMO_PASSWORD, NEW_PASSWORD, (err, data) => (err ? reject(err) : resolve(data))),
    );
    await rejectsWith(signIn('reader', DEMO_PASSWORD), 'NotAuthorizedException');
    await signIn('reader', NEW_PASSWORD);

    const refreshed = await new Promise<CognitoUserSession>((resolve, reject) =>
      u.refreshSession(session.getRefreshToken(), (err: Error | null, s: CognitoUserSession) =>
        err ? reject(err) : resolve(s),
      ),
    );
    const before = claims(session.getAccessToken().getJwtToken());
    const after = claims(refreshed.getAccessToken().getJwtToken());
    assert.equal(after['origin_jti'], before['origin_jti']);
    assert.equal(after['auth_time'], before['auth_time']);
    assert.notEqual(after['jti'], before['jti']);

    await new Promise<void>((resolve, reject) =>
      u.globalSignOut({ onSuccess: () => resolve(), onFailure: reject }),
    );
    const stale = new CognitoUser({ Username: 'reader', Pool: pool });
    stale.setSignInUserSession(refreshed);
    await rejectsWith(
      new Promise((resolve, reject) =>
        stale.getUserAttributes((err, data) => (err ? reject(err) : resolve(data))),
      ),
      'NotAuthorizedException',
      'Access Token has been revoked',
    );
    await rejectsWith(
      new Promise((resolve, reject) =>
        stale.refreshSession(session.getRefreshToken(), (err: Error | null, s: unknown) =>
          err ? reject(err) : resolve(s),
        ),
      ),
      'NotAuthorizedException',
      'Refresh Token has been revoked',
    );
  });

  test('forgot password: code to the verified e-mail, new password, old one refused', async () => {
    const u = user('editor');
    await new Promise<void>((resolve, reject) =>
      u.forgotPassword({
        onSuccess: () => resolve(),
        onFailure: reject,
        inputVerificationCode: () => resolve(),
      }),
    );
    const code = await codeOf('editor', 'forgot_password');
    await rejectsWith(
      new Promise<void>((resolve, reject) =>
        u.confirmPassword('999999' === code ? '888888' : '999999', NEW_PASSWORD, {
          onSuccess: () => resolve(),
          onFailure: reject,
        }),
      ),
      'CodeMismatchException',
    );
    await new Promise<void>((resolve, reject) =>
      u.confirmPassword(code, NEW_PASSWORD, { onSuccess: () => resolve(), onFailure: reject }),
    );
    await rejectsWith(signIn('editor', DEMO_PASSWORD), 'NotAuthorizedException');
    await signIn('editor', NEW_PASSWORD);
    const sources = emu.triggers.map((t) => t.triggerSource);
    assert.ok(sources.includes('PostConfirmation_ConfirmForgotPassword'));
  });
});
