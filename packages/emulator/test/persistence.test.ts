/** State and key files: restart keeps users, groups, refresh tokens and kids; seeds load from JSON files. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEMO_CLIENTS, DEMO_PASSWORD, hostedSignIn, type SeedFile, start } from '../src/index.ts';
import { loadSeed } from '../src/seed.ts';

const dir = mkdtempSync(join(tmpdir(), 'ccg-emu-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('persistence', () => {
  test('key file pins kids; state file survives a restart', async () => {
    const keyFile = join(dir, 'keys.json');
    const stateFile = join(dir, 'state.json');
    const first = await start({ port: 0, keyFile, stateFile });
    const kids1 = (
      (await (await fetch(first.pool().jwksUri)).json()) as { keys: { kid: string }[] }
    ).keys.map((k) => k.kid);
    assert.equal(statSync(keyFile).mode & 0o777, 0o600);
    const pool = first.state.pool('us-east-1_Demo0001');
    first.state.adminCreateUser(pool, 'persisted', { email: 'p@example.com' }, undefined);
    first.state.setPassword(pool, first.state.getUser(pool, 'persisted'), 'Persist-Passw0rd!', true);
    first.state.addToGroup(
      pool,
      first.state.getUser(pool, 'persisted'),
      first.state.getGroup(pool, 'editors'),
    );
    const q = new URLSearchParams({
      client_id: DEMO_CLIENTS.web.clientId,
      redirect_uri: 'http://localhost:3000/auth/callback',
      response_type: 'code',
    });
    const r = await hostedSignIn({
      url: `${first.url}/oauth2/authorize?${q}`,
      username: 'admin',
      password: DEMO_PASSWORD,
    });
    const form = {
      client_id: DEMO_CLIENTS.web.clientId,
      client_secret: DEMO_CLIENTS.web.clientSecret,
    };
    const tok = (await (
      await fetch(`${first.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          ...form,
          grant_type: 'authorization_code',
          code: r.code!,
          redirect_uri: 'http://localhost:3000/auth/callback',
        }),
      })
    ).json()) as { refresh_token: string };
    await first.stop();
    const saved = readFileSync(stateFile, 'utf8');
    assert.ok(!saved.includes(tok.refresh_token), 'refresh tokens are stored hashed');
    assert.ok(!saved.includes('Persist-Passw0rd!'));

    const second = await start({ port: 0, keyFile, stateFile, seed: { pools: [] } });
    try {
      const kids2 = (
        (await (await fetch(second.pool().jwksUri)).json()) as { keys: { kid: string }[] }
      ).keys.map((k) => k.kid);
      assert.deepEqual(kids2, kids1);
      const p2 = second.state.pool('us-east-1_Demo0001');
      const user = second.state.getUser(p2, 'persisted');
      assert.deepEqual([...user.groups], ['editors']);
      assert.equal(user.status, 'CONFIRMED');
      const again = await hostedSignIn({
        url: `${second.url}/oauth2/authorize?${q}`,
        username: 'persisted',
        password: 'Persist-Passw0rd!',
      });
      assert.ok(again.code);
      const refreshed = await fetch(`${second.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ ...form, grant_type: 'refresh_token', refresh_token: tok.refresh_token }),
      });
      assert.equal(refreshed.status, 200);
    } finally {
      await second.stop();
    }
  });

  test('seed from a JSON file: custom pool, rotation client, short lifetimes', async () => {
    const seed: SeedFile = {
      pools: [
        {
          userPoolId: 'eu-west-1_Custom01',
          clients: [
            {
              clientId: 'customclient00000000000001',
              callbackUrls: ['myapp://callback'],
              allowedOAuthScopes: ['openid'],
              accessTokenValiditySeconds: 300,
              idTokenValiditySeconds: 300,
              refreshTokenRotation: true,
            },
          ],
          groups: [{ groupName: 'eu-west-1_Custom01_Google' }],
          users: [
            { username: 'Solo', password: 'Solo-Passw0rd!', attributes: { email_verified: true } },
            {
              username: 'Google_110234567890',
              status: 'EXTERNAL_PROVIDER',
              groups: ['eu-west-1_Custom01_Google'],
              attributes: {
                email: 'fed@example.com',
                identities: JSON.stringify([
                  {
                    userId: '110234567890',
                    providerName: 'Google',
                    providerType: 'Google',
                    issuer: null,
                    primary: 'true',
                    dateCreated: '1700000000123',
                  },
                ]),
              },
            },
          ],
        },
      ],
    };
    const path = join(dir, 'seed.json');
    writeFileSync(path, JSON.stringify(seed));
    const emu = await start({ port: 0, seed: path });
    try {
      assert.equal(emu.pool().region, 'eu-west-1');
      const q = new URLSearchParams({
        client_id: 'customclient00000000000001',
        redirect_uri: 'myapp://callback',
        response_type: 'code',
      });
      const r = await hostedSignIn({
        url: `${emu.url}/oauth2/authorize?${q}`,
        username: 'solo',
        password: 'Solo-Passw0rd!',
      });
      assert.ok(r.location.startsWith('myapp://callback?code='));
      const post = (body: Record<string, string>) =>
        fetch(`${emu.url}/oauth2/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ client_id: 'customclient00000000000001', ...body }),
        }).then((res) => res.json() as Promise<Record<string, any>>);
      const t1 = await post({
        grant_type: 'authorization_code',
        code: r.code!,
        redirect_uri: 'myapp://callback',
      });
      assert.equal(t1['expires_in'], 300);
      const id = JSON.parse(Buffer.from(t1['id_token'].split('.')[1], 'base64url').toString('utf8'));
      assert.equal(id['cognito:username'], 'Solo');
      assert.equal(id['email_verified'], true);
      const t2 = await post({ grant_type: 'refresh_token', refresh_token: t1['refresh_token'] });
      assert.ok(t2['refresh_token'], 'rotation returns a new refresh token');
      assert.notEqual(t2['refresh_token'], t1['refresh_token']);
      const reused = await post({ grant_type: 'refresh_token', refresh_token: t1['refresh_token'] });
      assert.equal(reused['error'], 'invalid_grant');
      assert.ok(
        (await post({ grant_type: 'refresh_token', refresh_token: t2['refresh_token'] }))['access_token'],
      );
    } finally {
      await emu.stop();
    }
  });
});

test('a seed client with client_credentials beside another flow, or without a secret, is refused', () => {
  const seed = (client: Record<string, unknown>) => ({
    pools: [{ userPoolId: 'us-east-1_Seed0001', clients: [{ clientId: 'c1', ...client }] }],
  });
  for (const bad of [
    { clientSecret: 's3cret', allowedOAuthFlows: ['code', 'client_credentials'] },
    { allowedOAuthFlows: ['client_credentials'] },
  ]) {
    assert.throws(() => loadSeed(seed(bad) as SeedFile), /client_credentials must be the only flow/);
  }
  assert.ok(
    loadSeed(seed({ clientSecret: 's3cret', allowedOAuthFlows: ['client_credentials'] }) as SeedFile),
  );
});

test('seed token lifetimes outside Cognito ranges are refused; a refresh validity of 0 is the default', () => {
  const seed = (client: Record<string, unknown>) => ({
    pools: [{ userPoolId: 'us-east-1_Seed0001', clients: [{ clientId: 'c1', ...client }] }],
  });
  for (const bad of [
    { accessTokenValiditySeconds: 299 },
    { idTokenValiditySeconds: 86_401 },
    { refreshTokenValiditySeconds: 3599 },
    { accessTokenValiditySeconds: 1.5 },
  ]) {
    assert.throws(() => loadSeed(seed(bad) as SeedFile), /must be an integer from/, JSON.stringify(bad));
  }
  assert.ok(loadSeed(seed({ accessTokenValiditySeconds: 300, refreshTokenValiditySeconds: 0 }) as SeedFile));
});
