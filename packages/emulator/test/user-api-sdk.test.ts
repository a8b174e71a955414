/**
 * The AWS SDK v3 client against the emulator's user API: SECRET_HASH, password policy, codes
 * (wrong, expired, too many guesses, resent), each client's allowed flows, existence errors,
 * refresh, NEW_PASSWORD_REQUIRED, attributes, revocation and self-deletion, the events fired, and
 * tokens shaped like the hosted-login ones.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  AdminConfirmSignUpCommand,
  AdminCreateUserCommand,
  ChangePasswordCommand,
  CognitoIdentityProviderClient,
  ConfirmSignUpCommand,
  DeleteUserAttributesCommand,
  DeleteUserCommand,
  ForgotPasswordCommand,
  GetUserAttributeVerificationCodeCommand,
  GetUserCommand,
  GlobalSignOutCommand,
  InitiateAuthCommand,
  ResendConfirmationCodeCommand,
  RespondToAuthChallengeCommand,
  RevokeTokenCommand,
  SignUpCommand,
  UpdateUserAttributesCommand,
  VerifyUserAttributeCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import {
  DEMO_CLIENTS,
  DEMO_PASSWORD,
  DEMO_POOL_ID,
  type RunningEmulator,
  type SeedFile,
  start,
} from '../src/index.ts';

const WEB = DEMO_CLIENTS.web;
const SPA = DEMO_CLIENTS.public.clientId;
const PASSWORD = 'Str0ng-Passw0rd!';

function claims(jwt: string | undefined): Record<string, any> {
  assert.ok(jwt);
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

function secretHash(username: string, clientId = WEB.clientId, secret = WEB.clientSecret): string {
  return createHmac('sha256', secret).update(`${username}${clientId}`).digest('base64');
}

async function rejectsWith(p: Promise<unknown>, name: string, message?: string | RegExp): Promise<void> {
  await assert.rejects(p, (err: Error) => {
    assert.equal(err.name, name, err.message);
    if (typeof message === 'string') assert.equal(err.message, message);
    else if (message) assert.match(err.message, message);
    return true;
  });
}

const OTHER_SEED: SeedFile = {
  pools: [
    {
      userPoolId: 'eu-west-1_Other1',
      clients: [
        { clientId: 'srponly', explicitAuthFlows: ['ALLOW_USER_SRP_AUTH'] },
        {
          clientId: 'legacy',
          explicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
          preventUserExistenceErrors: false,
        },
      ],
      users: [{ username: 'bob', password: PASSWORD, attributes: { email: 'bob@example.com' } }],
    },
    {
      userPoolId: 'eu-west-1_Closed1',
      adminCreateUserOnly: true,
      passwordPolicy: { minimumLength: 12, requireSymbols: false },
      clients: [{ clientId: 'closed' }],
    },
  ],
};

describe('user API through the AWS SDK v3 client', () => {
  let emu: RunningEmulator;
  let other: RunningEmulator;
  let sdk: CognitoIdentityProviderClient;
  let otherSdk: CognitoIdentityProviderClient;
  let clock = Date.UTC(2026, 0, 1);

  const client = (endpoint: string) =>
    new CognitoIdentityProviderClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-checked' },
      maxAttempts: 1,
    });
  const codeOf = (username: string, purpose: string) => {
    const found = emu.codes({ username, purpose: purpose as never }).at(-1);
    assert.ok(found, `no ${purpose} code for ${username}`);
    return found.code;
  };
  const passwordSignIn = (username: string, password: string, clientId = SPA) =>
    sdk.send(
      new InitiateAuthCommand({
        ClientId: clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: username, PASSWORD: password },
      }),
    );
  const signUpConfirmed = async (username: string, email: string) => {
    await sdk.send(
      new SignUpCommand({
        ClientId: SPA,
        Username: username,
        Password: PASSWORD,
        UserAttributes: [{ Name: 'email', Value: email }],
      }),
    );
    await sdk.send(
      new ConfirmSignUpCommand({
        ClientId: SPA,
        Username: username,
        ConfirmationCode: codeOf(username, 'signup'),
      }),
    );
    const out = await passwordSignIn(username, PASSWORD);
    return out.AuthenticationResult!;
  };

  before(async () => {
    emu = await start({ port: 0, now: () => clock });
    other = await start({ port: 0, seed: OTHER_SEED });
    sdk = client(emu.url);
    otherSdk = client(other.url);
  });
  after(async () => {
    sdk.destroy();
    otherSdk.destroy();
    await emu.stop();
    await other.stop();
  });

  test('SignUp with SECRET_HASH on a client with a secret; policy; existing user; unknown client', async () => {
    const input = {
      ClientId: WEB.clientId,
      Username: 'carol',
      Password: PASSWORD,
      UserAttributes: [{ Name: 'email', Value: 'carol@example.com' }],
    };
    await rejectsWith(
      sdk.send(new SignUpCommand(input)),
      'NotAuthorizedException',
      `Client ${WEB.clientId} is configured for secret but secret was not received`,
    );
    await rejectsWith(
      sdk.send(new SignUpCommand({ ...input, SecretHash: secretHash('someone-else') })),
      'NotAuthorizedException',
      `Unable to verify secret hash for client ${WEB.clientId}`,
    );
    await rejectsWith(
      sdk.send(new SignUpCommand({ ...input, Password: 'alllowercase1!', SecretHash: secretHash('carol') })),
      'InvalidPasswordException',
      'Password did not conform with policy: Password must have uppercase characters',
    );
    await rejectsWith(
      sdk.send(new SignUpCommand({ ...input, Username: 'admin', SecretHash: secretHash('admin') })),
      'UsernameExistsException',
      'User already exists',
    );
    await rejectsWith(
      sdk.send(new SignUpCommand({ ...input, ClientId: 'nosuchclient' })),
      'ResourceNotFoundException',
    );
    await rejectsWith(
      sdk.send(
        new SignUpCommand({
          ...input,
          UserAttributes: [{ Name: 'shoe_size', Value: '9' }],
          SecretHash: secretHash('carol'),
        }),
      ),
      'InvalidParameterException',
    );
    const out = await sdk.send(new SignUpCommand({ ...input, SecretHash: secretHash('carol') }));
    assert.equal(out.UserConfirmed, false);
    assert.equal(out.CodeDeliveryDetails?.DeliveryMedium, 'EMAIL');
    assert.equal(emu.state.findUser(emu.state.pool(DEMO_POOL_ID), 'carol')?.status, 'UNCONFIRMED');
    // A client with a secret needs the hash on every call naming the user.
    await rejectsWith(
      sdk.send(
        new ConfirmSignUpCommand({ ClientId: WEB.clientId, Username: 'carol', ConfirmationCode: '123456' }),
      ),
      'NotAuthorizedException',
    );
    await sdk.send(
      new ConfirmSignUpCommand({
        ClientId: WEB.clientId,
        Username: 'carol',
        ConfirmationCode: codeOf('carol', 'signup'),
        SecretHash: secretHash('carol'),
      }),
    );
    const signedIn = await sdk.send(
      new InitiateAuthCommand({
        ClientId: WEB.clientId,
        AuthFlow: 'USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'carol', PASSWORD, SECRET_HASH: secretHash('carol') },
      }),
    );
    assert.ok(signedIn.AuthenticationResult?.AccessToken);
  });

  test('codes: wrong, resent (the old one dies), expired after 24 hours, five wrong guesses', async () => {
    const signUp = (username: string) =>
      sdk.send(
        new SignUpCommand({
          ClientId: SPA,
          Username: username,
          Password: PASSWORD,
          UserAttributes: [{ Name: 'email', Value: `${username}@example.com` }],
        }),
      );
    const confirm = (username: string, code: string) =>
      sdk.send(new ConfirmSignUpCommand({ ClientId: SPA, Username: username, ConfirmationCode: code }));

    await signUp('dave');
    const first = codeOf('dave', 'signup');
    await sdk.send(new ResendConfirmationCodeCommand({ ClientId: SPA, Username: 'dave' }));
    const second = codeOf('dave', 'signup');
    if (first !== second) await rejectsWith(confirm('dave', first), 'CodeMismatchException');
    await confirm('dave', second);
    await rejectsWith(
      sdk.send(new ResendConfirmationCodeCommand({ ClientId: SPA, Username: 'dave' })),
      'InvalidParameterException',
      'User is already confirmed.',
    );

    await signUp('erin');
    const code = codeOf('erin', 'signup');
    clock += 24 * 3600 * 1000 + 1000;
    await rejectsWith(
      confirm('erin', code),
      'ExpiredCodeException',
      'Invalid code provided, please request a code again.',
    );

    await sdk.send(new ResendConfirmationCodeCommand({ ClientId: SPA, Username: 'erin' }));
    const live = codeOf('erin', 'signup');
    const wrong = live === '000000' ? '000001' : '000000';
    for (let i = 0; i < 4; i++) await rejectsWith(confirm('erin', wrong), 'CodeMismatchException');
    await rejectsWith(confirm('erin', wrong), 'LimitExceededException');
    await rejectsWith(confirm('erin', live), 'ExpiredCodeException');

    // The admin can still confirm.
    await sdk.send(new AdminConfirmSignUpCommand({ UserPoolId: DEMO_POOL_ID, Username: 'erin' }));
    await passwordSignIn('erin', PASSWORD);
  });

  test('each client allows only its flows; existence errors when the client does not hide them', async () => {
    await rejectsWith(
      otherSdk.send(
        new InitiateAuthCommand({
          ClientId: 'srponly',
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'bob', PASSWORD },
        }),
      ),
      'InvalidParameterException',
      'USER_PASSWORD_AUTH flow not enabled for this client',
    );
    await rejectsWith(
      otherSdk.send(
        new InitiateAuthCommand({
          ClientId: 'srponly',
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: 'x' },
        }),
      ),
      'InvalidParameterException',
      'REFRESH_TOKEN_AUTH flow not enabled for this client',
    );
    await rejectsWith(
      otherSdk.send(
        new InitiateAuthCommand({
          ClientId: 'legacy',
          AuthFlow: 'USER_SRP_AUTH',
          AuthParameters: { USERNAME: 'bob', SRP_A: 'abc' },
        }),
      ),
      'InvalidParameterException',
      'USER_SRP_AUTH flow not enabled for this client',
    );
    await rejectsWith(
      otherSdk.send(
        new InitiateAuthCommand({
          ClientId: 'legacy',
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: 'nobody', PASSWORD },
        }),
      ),
      'UserNotFoundException',
      'User does not exist.',
    );
    await rejectsWith(
      otherSdk.send(new ForgotPasswordCommand({ ClientId: 'legacy', Username: 'nobody' })),
      'UserNotFoundException',
    );
    // bob's e-mail is not verified: no reset code can go anywhere.
    await rejectsWith(
      otherSdk.send(new ForgotPasswordCommand({ ClientId: 'legacy', Username: 'bob' })),
      'InvalidParameterException',
      'Cannot reset password for the user as there is no registered/verified email or phone_number',
    );
    await rejectsWith(
      otherSdk.send(new SignUpCommand({ ClientId: 'closed', Username: 'x', Password: 'longpassword12A' })),
      'NotAuthorizedException',
      'SignUp is not permitted for this user pool',
    );
    // A pool's own policy applies to admin calls as well.
    await rejectsWith(
      otherSdk.send(
        new AdminCreateUserCommand({
          UserPoolId: 'eu-west-1_Closed1',
          Username: 'y',
          TemporaryPassword: 'Short1a!',
        }),
      ),
      'InvalidPasswordException',
      'Password did not conform with policy: Password not long enough',
    );
  });

  test('refresh: new tokens, same session; no new refresh token; tokens shaped like hosted ones', async () => {
    const first = await passwordSignIn('admin', DEMO_PASSWORD);
    assert.deepEqual(first.ChallengeParameters, {});
    const auth = first.AuthenticationResult!;
    assert.equal(auth.TokenType, 'Bearer');
    assert.equal(auth.ExpiresIn, 3600);
    const refreshed = await sdk.send(
      new InitiateAuthCommand({
        ClientId: SPA,
        AuthFlow: 'REFRESH_TOKEN_AUTH',
        AuthParameters: { REFRESH_TOKEN: auth.RefreshToken! },
      }),
    );
    assert.equal(refreshed.AuthenticationResult?.RefreshToken, undefined);
    const id = claims(auth.IdToken);
    const again = claims(refreshed.AuthenticationResult?.IdToken);
    assert.equal(again['origin_jti'], id['origin_jti']);
    assert.equal(again['auth_time'], id['auth_time']);

    // Same claims as the hosted-login tokens, minus at_hash (token endpoint only).
    const hosted = emu.issueTokens({ username: 'admin', clientId: SPA, scopes: ['openid'] });
    const hostedId = claims(hosted.id_token);
    delete hostedId['at_hash'];
    assert.deepEqual(Object.keys(id).sort(), Object.keys(hostedId).sort());
    assert.deepEqual(id['cognito:groups'], ['admins', 'editors']);
    assert.deepEqual(
      Object.keys(claims(auth.AccessToken)).sort(),
      Object.keys(claims(hosted.access_token)).sort(),
    );

    await rejectsWith(
      sdk.send(
        new InitiateAuthCommand({
          ClientId: SPA,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: 'nope' },
        }),
      ),
      'NotAuthorizedException',
      'Invalid Refresh Token',
    );
    // A hosted-login access token has no aws.cognito.signin.user.admin scope.
    await rejectsWith(
      sdk.send(new GetUserCommand({ AccessToken: hosted.access_token })),
      'NotAuthorizedException',
      'Access Token does not have required scopes',
    );
  });

  test('NEW_PASSWORD_REQUIRED for an admin-created user', async () => {
    await sdk.send(
      new AdminCreateUserCommand({
        UserPoolId: DEMO_POOL_ID,
        Username: 'frank',
        TemporaryPassword: 'Temp-Passw0rd',
        UserAttributes: [{ Name: 'email', Value: 'frank@example.com' }],
      }),
    );
    const challenge = await passwordSignIn('frank', 'Temp-Passw0rd');
    assert.equal(challenge.ChallengeName, 'NEW_PASSWORD_REQUIRED');
    assert.equal(challenge.ChallengeParameters?.['USER_ID_FOR_SRP'], 'frank');
    assert.equal(
      JSON.parse(challenge.ChallengeParameters?.['userAttributes'] ?? '{}').email,
      'frank@example.com',
    );
    const respond = (password: string) =>
      sdk.send(
        new RespondToAuthChallengeCommand({
          ClientId: SPA,
          ChallengeName: 'NEW_PASSWORD_REQUIRED',
          Session: challenge.Session,
          ChallengeResponses: { USERNAME: 'frank', NEW_PASSWORD: password, 'userAttributes.name': 'Frank' },
        }),
      );
    await rejectsWith(respond('weak'), 'InvalidPasswordException');
    const done = await respond(PASSWORD);
    assert.equal(claims(done.AuthenticationResult?.IdToken)['name'], 'Frank');
    await rejectsWith(
      respond(PASSWORD),
      'NotAuthorizedException',
      'Invalid session for the user, session is expired.',
    );
    await passwordSignIn('frank', PASSWORD);
    const sources = emu.triggers.filter((t) => t.event['userName'] === 'frank').map((t) => t.triggerSource);
    assert.deepEqual(sources.slice(-5), [
      'PostConfirmation_ConfirmSignUp',
      'PostAuthentication_Authentication',
      'TokenGeneration_NewPasswordChallenge',
      'PostAuthentication_Authentication',
      'TokenGeneration_Authentication',
    ]);
  });

  test('sign-up events in order; attributes; verification codes', async () => {
    const auth = await signUpConfirmed('gina', 'gina@example.com');
    const sources = emu.triggers.filter((t) => t.event['userName'] === 'gina').map((t) => t.triggerSource);
    assert.deepEqual(sources, [
      'PreSignUp_SignUp',
      'PostConfirmation_ConfirmSignUp',
      'PostAuthentication_Authentication',
      'TokenGeneration_Authentication',
    ]);
    const pre = emu.triggers.find((t) => t.event['userName'] === 'gina')!.event;
    assert.deepEqual((pre['request'] as any).userAttributes, { email: 'gina@example.com' });

    const AccessToken = auth.AccessToken!;
    const me = await sdk.send(new GetUserCommand({ AccessToken }));
    assert.equal(me.Username, 'gina');
    const attr = (name: string) => me.UserAttributes?.find((a) => a.Name === name)?.Value;
    assert.equal(attr('email_verified'), 'true');

    await rejectsWith(
      sdk.send(
        new UpdateUserAttributesCommand({
          AccessToken,
          UserAttributes: [{ Name: 'email_verified', Value: 'true' }],
        }),
      ),
      'NotAuthorizedException',
    );
    const changed = await sdk.send(
      new UpdateUserAttributesCommand({
        AccessToken,
        UserAttributes: [
          { Name: 'email', Value: 'gina@new.example.com' },
          { Name: 'name', Value: 'Gina' },
        ],
      }),
    );
    assert.equal(changed.CodeDeliveryDetailsList?.[0]?.AttributeName, 'email');
    const after = await sdk.send(new GetUserCommand({ AccessToken }));
    assert.equal(after.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value, 'false');
    await rejectsWith(
      sdk.send(new VerifyUserAttributeCommand({ AccessToken, AttributeName: 'email', Code: '12345x' })),
      'CodeMismatchException',
    );
    await sdk.send(new GetUserAttributeVerificationCodeCommand({ AccessToken, AttributeName: 'email' }));
    await sdk.send(
      new VerifyUserAttributeCommand({
        AccessToken,
        AttributeName: 'email',
        Code: codeOf('gina', 'verify_email'),
      }),
    );
    const verified = await sdk.send(new GetUserCommand({ AccessToken }));
    assert.equal(verified.UserAttributes?.find((a) => a.Name === 'email_verified')?.Value, 'true');

    assert.equal(verified.UserAttributes?.find((a) => a.Name === 'name')?.Value, 'Gina');
    await sdk.send(new DeleteUserAttributesCommand({ AccessToken, UserAttributeNames: ['name'] }));
    const without = await sdk.send(new GetUserCommand({ AccessToken }));
    assert.equal(
      without.UserAttributes?.find((a) => a.Name === 'name'),
      undefined,
    );
    assert.equal(emu.triggers.at(-1)?.triggerSource, 'Emulator_DeleteUserAttributes');

    await rejectsWith(
      sdk.send(
        new ChangePasswordCommand({
          AccessToken,
          PreviousPassword: 'Wr0ng-passw0rd!',
          ProposedPassword: PASSWORD,
        }),
      ),
      'NotAuthorizedException',
      'Incorrect username or password.',
    );
  });

  test('RevokeToken, GlobalSignOut, DeleteUser', async () => {
    const a = await signUpConfirmed('hank', 'hank@example.com');
    const b = (await passwordSignIn('hank', PASSWORD)).AuthenticationResult!;
    await rejectsWith(
      sdk.send(new RevokeTokenCommand({ ClientId: SPA, Token: a.AccessToken! })),
      'UnsupportedTokenTypeException',
    );
    await sdk.send(new RevokeTokenCommand({ ClientId: SPA, Token: a.RefreshToken! }));
    await rejectsWith(
      sdk.send(new GetUserCommand({ AccessToken: a.AccessToken! })),
      'NotAuthorizedException',
      'Access Token has been revoked',
    );
    await rejectsWith(
      sdk.send(
        new InitiateAuthCommand({
          ClientId: SPA,
          AuthFlow: 'REFRESH_TOKEN_AUTH',
          AuthParameters: { REFRESH_TOKEN: a.RefreshToken! },
        }),
      ),
      'NotAuthorizedException',
      'Refresh Token has been revoked',
    );
    // Another session of the same user lives on until a global sign-out.
    await sdk.send(new GetUserCommand({ AccessToken: b.AccessToken! }));
    await sdk.send(new GlobalSignOutCommand({ AccessToken: b.AccessToken! }));
    await rejectsWith(
      sdk.send(new GetUserCommand({ AccessToken: b.AccessToken! })),
      'NotAuthorizedException',
    );

    const c = (await passwordSignIn('hank', PASSWORD)).AuthenticationResult!;
    await sdk.send(new DeleteUserCommand({ AccessToken: c.AccessToken! }));
    assert.equal(emu.state.findUser(emu.state.pool(DEMO_POOL_ID), 'hank'), undefined);
    await rejectsWith(
      passwordSignIn('hank', PASSWORD),
      'NotAuthorizedException',
      'Incorrect username or password.',
    );
    assert.equal(emu.triggers.at(-1)?.triggerSource, 'Emulator_DeleteUser');
  });
});
