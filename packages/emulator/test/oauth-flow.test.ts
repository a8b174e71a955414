/**
 * A certified OAuth client (openid-client v6) completes code + PKCE, refresh, userInfo and revoke
 * against the emulator; tokens verify with aws-jwt-verify and the project's own verifier; claim
 * shapes are checked field by field against cognito-facts.md §2.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JwtRsaVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import * as client from 'openid-client';
import { definePool, createCognitoVerifier } from 'cognito-code-grant';
import { DEMO_CLIENTS, DEMO_PASSWORD, hostedSignIn, type RunningEmulator, start } from '../src/index.ts';

const CALLBACK = 'http://localhost:3000/auth/callback';

/** aws-jwt-verify's own fetcher speaks https only; the emulator is plain http on 127.0.0.1. */
const httpJwks = () =>
  new SimpleJwksCache({ fetcher: { fetch: async (uri: string) => (await fetch(uri)).arrayBuffer() } });

function decode(token: string): { header: Record<string, unknown>; payload: Record<string, any> } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h!, 'base64url').toString('utf8')),
    payload: JSON.parse(Buffer.from(p!, 'base64url').toString('utf8')),
  };
}

describe('openid-client against the emulator', () => {
  let emu: RunningEmulator;
  let config: client.Configuration;

  before(async () => {
    emu = await start({ port: 0 });
    const discovered = await client.discovery(
      new URL(emu.issuer()),
      DEMO_CLIENTS.web.clientId,
      undefined,
      client.ClientSecretBasic(DEMO_CLIENTS.web.clientSecret),
      { execute: [client.allowInsecureRequests] },
    );
    // Cognito's discovery document has no revocation_endpoint (facts §3): the app adds it.
    config = new client.Configuration(
      {
        ...(discovered.serverMetadata() as client.ServerMetadata),
        revocation_endpoint: `${emu.url}/oauth2/revoke`,
      },
      DEMO_CLIENTS.web.clientId,
      undefined,
      client.ClientSecretBasic(DEMO_CLIENTS.web.clientSecret),
    );
    client.allowInsecureRequests(config);
  });
  after(() => emu.stop());

  test('discovery document matches Cognito fields and points at the emulator', async () => {
    const meta = config.serverMetadata();
    assert.equal(meta.issuer, `${emu.url}/us-east-1_Demo0001`);
    assert.equal(meta.authorization_endpoint, `${emu.url}/oauth2/authorize`);
    assert.equal(meta.token_endpoint, `${emu.url}/oauth2/token`);
    assert.equal(meta.userinfo_endpoint, `${emu.url}/oauth2/userInfo`);
    assert.equal(meta.jwks_uri, `${emu.issuer()}/.well-known/jwks.json`);
    assert.deepEqual(meta.token_endpoint_auth_methods_supported, [
      'client_secret_basic',
      'client_secret_post',
    ]);
    const jwks = (await (await fetch(meta.jwks_uri!)).json()) as { keys: Record<string, unknown>[] };
    assert.equal(jwks.keys.length, 2);
    for (const k of jwks.keys) {
      assert.deepEqual(Object.keys(k).sort(), ['alg', 'e', 'kid', 'kty', 'n', 'use']);
      assert.equal(k['alg'], 'RS256');
      assert.equal(k['use'], 'sig');
      assert.match(String(k['kid']), /^[A-Za-z0-9+/]{43}=$/);
      assert.equal(Buffer.from(String(k['n']), 'base64url').length, 256);
    }
    assert.notEqual(jwks.keys[0]!['kid'], jwks.keys[1]!['kid']);
  });

  test('cognito:roles and cognito:preferred_role come from the groups that have a role', async () => {
    const groups = emu.state.pool('us-east-1_Demo0001').groups;
    const admins = groups.get('admins')!;
    const editors = groups.get('editors')!;
    const signInAsAdmin = async () => {
      const url = client.buildAuthorizationUrl(config, {
        redirect_uri: CALLBACK,
        scope: 'openid',
        prompt: 'login',
      });
      const signIn = await hostedSignIn({ url: url.href, username: 'admin', password: DEMO_PASSWORD });
      const code = new URL(signIn.location).searchParams.get('code')!;
      const res = await fetch(`${emu.url}/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${DEMO_CLIENTS.web.clientId}:${DEMO_CLIENTS.web.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK }),
      });
      return decode(((await res.json()) as { id_token: string }).id_token).payload;
    };
    try {
      let p = await signInAsAdmin();
      assert.equal(p['cognito:roles'], undefined, 'no group has a role');
      assert.equal(p['cognito:preferred_role'], undefined);
      admins.roleArn = 'arn:aws:iam::111122223333:role/Admin';
      editors.roleArn = 'arn:aws:iam::111122223333:role/Editor';
      p = await signInAsAdmin();
      assert.deepEqual(p['cognito:roles'], [admins.roleArn, editors.roleArn]);
      assert.equal(p['cognito:preferred_role'], admins.roleArn, 'lowest precedence wins');
      editors.precedence = admins.precedence;
      p = await signInAsAdmin();
      assert.equal(p['cognito:preferred_role'], undefined, 'a tie with different roles: none');
    } finally {
      admins.roleArn = undefined;
      editors.roleArn = undefined;
      editors.precedence = 10;
    }
  });

  test('code + PKCE, claims, verification, userInfo, refresh, revoke', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const challenge = await client.calculatePKCECodeChallenge(verifier);
    const state = client.randomState();
    const nonce = client.randomNonce();
    const authUrl = client.buildAuthorizationUrl(config, {
      redirect_uri: CALLBACK,
      scope: 'openid email profile articles/read',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    const signIn = await hostedSignIn({ url: authUrl.href, username: 'admin', password: DEMO_PASSWORD });
    assert.ok(signIn.formShown);
    assert.ok(signIn.location.startsWith(`${CALLBACK}?`));
    assert.equal(signIn.state, state);

    const tokens = await client.authorizationCodeGrant(config, new URL(signIn.location), {
      pkceCodeVerifier: verifier,
      expectedState: state,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.equal(tokens.expires_in, 3600);
    assert.ok(
      tokens.refresh_token && tokens.refresh_token.split('.').length === 5,
      'opaque JWE-shaped refresh token',
    );
    const idClaims = tokens.claims()!;
    assert.equal(idClaims.sub, '0b6c3f1e-1a2b-4c3d-8e4f-5a6b7c8d9e01');

    // ID token, field by field (facts §2)
    const id = decode(tokens.id_token!);
    assert.deepEqual(Object.keys(id.header), ['kid', 'alg']);
    const p = id.payload;
    assert.equal(p['token_use'], 'id');
    assert.equal(p['aud'], DEMO_CLIENTS.web.clientId);
    assert.equal(p['iss'], emu.issuer());
    assert.equal(p['cognito:username'], 'admin');
    assert.deepEqual(p['cognito:groups'], ['admins', 'editors']);
    assert.equal(p['email'], 'admin@example.com');
    assert.equal(p['email_verified'], true);
    assert.equal(p['custom:tenant'], '42');
    assert.equal(p['nonce'], nonce);
    assert.equal(typeof p['at_hash'], 'string');
    assert.equal(typeof p['auth_time'], 'number');
    // Signed in at auth_time, issued at iat (the code exchange): the same second, or a little
    // later when the exchange crosses a second boundary.
    assert.ok(p['auth_time'] <= p['iat'] && p['iat'] - p['auth_time'] <= 5, 'auth_time is this login');
    assert.equal(p['exp'] - p['iat'], 3600);
    for (const k of ['jti', 'origin_jti', 'event_id']) assert.equal(typeof p[k], 'string', k);
    assert.equal(p['client_id'], undefined);
    assert.equal(p['username'], undefined);

    // access token
    const access = decode(tokens.access_token);
    const a = access.payload;
    assert.deepEqual(Object.keys(access.header), ['kid', 'alg']);
    assert.notEqual(access.header['kid'], id.header['kid'], 'ID and access tokens use different keys');
    assert.equal(a['token_use'], 'access');
    assert.equal(a['client_id'], DEMO_CLIENTS.web.clientId);
    assert.equal(a['aud'], undefined);
    assert.equal(a['username'], 'admin');
    assert.equal(a['scope'], 'openid email profile articles/read');
    assert.equal(a['version'], 2);
    assert.deepEqual(a['cognito:groups'], ['admins', 'editors']);
    assert.equal(a['origin_jti'], p['origin_jti']);
    assert.equal(a['email'], undefined);
    assert.equal(a['auth_time'], p['auth_time']);

    // aws-jwt-verify
    const awsId = JwtRsaVerifier.create(
      { issuer: emu.issuer(), jwksUri: emu.pool().jwksUri, audience: DEMO_CLIENTS.web.clientId },
      { jwksCache: httpJwks() },
    );
    const awsAccess = JwtRsaVerifier.create(
      {
        issuer: emu.issuer(),
        jwksUri: emu.pool().jwksUri,
        audience: null,
        customJwtCheck: ({ payload }) => {
          if (payload['client_id'] !== DEMO_CLIENTS.web.clientId) throw new Error('client_id');
        },
      },
      { jwksCache: httpJwks() },
    );
    assert.equal((await awsId.verify(tokens.id_token!))['cognito:username'], 'admin');
    assert.equal((await awsAccess.verify(tokens.access_token))['username'], 'admin');

    // the project's own verifier
    const own = createCognitoVerifier({
      pools: definePool({
        userPoolId: 'us-east-1_Demo0001',
        clientId: DEMO_CLIENTS.web.clientId,
        issuer: emu.issuer(),
      }),
    });
    assert.equal((await own.verify(tokens.access_token)).claims.username, 'admin');
    assert.equal(
      (await own.verify(tokens.id_token!, { tokenUse: 'id' })).claims['cognito:username'],
      'admin',
    );

    // userInfo: *_verified as strings, username included
    const info = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
    assert.equal(info.email_verified, 'true' as unknown as boolean);
    assert.equal(info['username'], 'admin');
    assert.equal(info['custom:tenant'], '42');

    // refresh: new access + id, no new refresh token (rotation off), auth_time kept
    const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
    assert.equal(refreshed.refresh_token, undefined);
    const ra = decode(refreshed.access_token).payload;
    assert.equal(ra['auth_time'], a['auth_time']);
    assert.equal(ra['origin_jti'], a['origin_jti']);
    assert.notEqual(ra['jti'], a['jti']);
    const rid = decode(refreshed.id_token!).payload;
    assert.equal(rid['nonce'], undefined);
    await awsId.verify(refreshed.id_token!);

    // revoke, then refresh and userInfo fail
    await client.tokenRevocation(config, tokens.refresh_token);
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (err: any) => {
      assert.equal(err.error, 'invalid_grant');
      return true;
    });
    const ui = await fetch(`${emu.url}/oauth2/userInfo`, {
      headers: { authorization: `Bearer ${tokens.access_token}` },
    });
    assert.equal(ui.status, 401);
    assert.match(ui.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    // a second revoke of the same token is still 200
    await client.tokenRevocation(config, tokens.refresh_token);

    // hosted session: a second authorize skips the form; prompt=login forces it
    const again = await hostedSignIn({
      url: client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', state: 's2' })
        .href,
      username: 'nobody',
      password: 'nothing',
      jar: signIn.jar,
    });
    assert.equal(again.formShown, false);
    assert.ok(again.code);
    const forced = await hostedSignIn({
      url: client.buildAuthorizationUrl(config, { redirect_uri: CALLBACK, scope: 'openid', prompt: 'login' })
        .href,
      username: 'editor',
      password: DEMO_PASSWORD,
      jar: signIn.jar,
    });
    assert.equal(forced.formShown, true);
  });

  test('public client with PKCE S256 and client_id only', async () => {
    const pub = new client.Configuration(
      config.serverMetadata(),
      DEMO_CLIENTS.public.clientId,
      undefined,
      client.None(),
    );
    client.allowInsecureRequests(pub);
    const verifier = client.randomPKCECodeVerifier();
    const url = client.buildAuthorizationUrl(pub, {
      redirect_uri: 'http://127.0.0.1:3000/auth/callback',
      scope: 'openid email',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: 'p1',
    });
    const signIn = await hostedSignIn({ url: url.href, username: 'reader', password: DEMO_PASSWORD });
    const tokens = await client.authorizationCodeGrant(pub, new URL(signIn.location), {
      pkceCodeVerifier: verifier,
      expectedState: 'p1',
    });
    const id = decode(tokens.id_token!).payload;
    assert.equal(id['cognito:groups'], undefined, 'absent when the user has no groups');
    assert.equal(id['name'], undefined, 'profile scope not granted');
    assert.equal(id['email'], 'reader@example.com');
    assert.equal(decode(tokens.access_token).payload['cognito:groups'], undefined);
  });

  test('client credentials: access token only, sub = client id', async () => {
    const m2m = new client.Configuration(
      config.serverMetadata(),
      DEMO_CLIENTS.machine.clientId,
      undefined,
      client.ClientSecretPost(DEMO_CLIENTS.machine.clientSecret),
    );
    client.allowInsecureRequests(m2m);
    const tokens = await client.clientCredentialsGrant(m2m, { scope: 'articles/read' });
    assert.equal(tokens.id_token, undefined);
    assert.equal(tokens.refresh_token, undefined);
    const a = decode(tokens.access_token).payload;
    assert.deepEqual(Object.keys(a).sort(), [
      'auth_time',
      'client_id',
      'exp',
      'iat',
      'iss',
      'jti',
      'scope',
      'sub',
      'token_use',
      'version',
    ]);
    assert.equal(a['sub'], DEMO_CLIENTS.machine.clientId);
    assert.equal(a['scope'], 'articles/read');
    const all = await client.clientCredentialsGrant(m2m);
    assert.equal(decode(all.access_token).payload['scope'], 'articles/read articles/write');
    await assert.rejects(
      client.clientCredentialsGrant(m2m, { scope: 'openid' }),
      (err: any) => err.error === 'invalid_scope',
    );
    await assert.rejects(
      client.clientCredentialsGrant(config),
      (err: any) => err.error === 'unauthorized_client',
    );
  });

  test('key rotation publishes a new kid; old tokens still verify until retired', async () => {
    const m2m = new client.Configuration(
      config.serverMetadata(),
      DEMO_CLIENTS.machine.clientId,
      undefined,
      client.ClientSecretBasic(DEMO_CLIENTS.machine.clientSecret),
    );
    client.allowInsecureRequests(m2m);
    const before = (await client.clientCredentialsGrant(m2m)).access_token;
    emu.rotateKeys();
    const afterRotation = (await client.clientCredentialsGrant(m2m)).access_token;
    assert.notEqual(decode(before).header['kid'], decode(afterRotation).header['kid']);
    const jwks = (await (await fetch(emu.pool().jwksUri)).json()) as { keys: unknown[] };
    assert.equal(jwks.keys.length, 4);
    const v = JwtRsaVerifier.create(
      { issuer: emu.issuer(), jwksUri: emu.pool().jwksUri, audience: null },
      { jwksCache: httpJwks() },
    );
    await v.verify(before);
    await v.verify(afterRotation);
    emu.retireKeys();
    const retired = (await (await fetch(emu.pool().jwksUri)).json()) as { keys: { kid: string }[] };
    assert.equal(retired.keys.length, 2);
    assert.ok(!retired.keys.some((k) => k.kid === decode(before).header['kid']));
  });
});
