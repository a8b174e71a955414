/**
 * The configuration check against the emulator (started in-process through its public entry),
 * with each kind of mismatch: wrong pool, issuer, key URL, domain, client, callback and sign-out
 * URLs, scopes, grant, token revocation and secret. Every mismatch names its fix.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, type SeedFile, start } from 'cognito-code-grant-emulator';
import { definePool, type PoolOptions } from '../../src/config/pool.ts';
import { checkConfiguration, formatDoctorReport } from '../../src/doctor/index.ts';
import type { DoctorOptions, DoctorReport } from '../../src/doctor/types.ts';

const POOL_ID = 'eu-west-1_Doctor1';
const APP = 'http://localhost:4100';
const SECRET = 'doctor-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const CLIENT = {
  callbackUrls: [`${APP}/auth/callback`],
  logoutUrls: [`${APP}/`],
  allowedOAuthScopes: ['openid', 'email', 'profile'],
};
const SEED: SeedFile = {
  pools: [
    {
      userPoolId: POOL_ID,
      clients: [
        { clientId: 'goodclient1', clientSecret: SECRET, ...CLIENT },
        { clientId: 'publicclient1', ...CLIENT },
        { clientId: 'norevoke1', clientSecret: SECRET, enableTokenRevocation: false, ...CLIENT },
        { clientId: 'implicit1', allowedOAuthFlows: ['implicit'], ...CLIENT },
        {
          clientId: 'machine1',
          clientSecret: SECRET,
          allowedOAuthFlows: ['client_credentials'],
          allowedOAuthScopes: [],
        },
      ],
      users: [],
    },
  ],
} as unknown as SeedFile;

let emulator: RunningEmulator;

function run(pool: Partial<PoolOptions>, options: Partial<DoctorOptions> = {}): Promise<DoctorReport> {
  return checkConfiguration({
    pool: definePool({
      userPoolId: POOL_ID,
      clientId: 'goodclient1',
      clientSecret: SECRET,
      domain: emulator.url,
      issuer: emulator.issuer(),
      ...pool,
    }),
    appUrl: APP,
    endpoint: emulator.url,
    env: {},
    timeoutMs: 3000,
    ...options,
  });
}

/** The mismatches by check id; each has a fix, and no report text carries the secret. */
function mismatches(report: DoctorReport): Map<string, string> {
  const text = formatDoctorReport(report);
  assert.ok(!text.includes(SECRET), 'the report prints the client secret');
  for (const m of report.mismatches) assert.ok(m.fix, `${m.check} has no fix`);
  assert.equal(report.ok, report.mismatches.length === 0);
  return new Map(report.mismatches.map((m) => [m.check, `${m.message} | fix: ${m.fix}`]));
}

before(async () => {
  emulator = await start({ port: 0, host: '127.0.0.1', seed: SEED });
});
after(async () => {
  await emulator?.stop();
});

describe('checkConfiguration against the emulator', () => {
  test('a matching configuration: ok, every check ran (the app client through the Cognito API)', async () => {
    const report = await run({});
    assert.deepEqual([...mismatches(report).keys()], [], formatDoctorReport(report));
    const checks = new Map(report.findings.map((f) => [f.check, f.status]));
    for (const check of [
      'discovery',
      'discovery.issuer',
      'discovery.jwks_uri',
      'discovery.domain',
      'jwks',
      'client.callback-url',
      'client.sign-out-url',
      'client.callback-urls',
      'client.sign-out-urls',
      'client.oauth-flows',
      'client.oauth-scopes',
      'client.token-revocation',
      'client.secret',
    ])
      assert.equal(checks.get(check), 'ok', `${check}\n${formatDoctorReport(report)}`);
    assert.match(formatDoctorReport(report), /configuration matches the user pool/);
  });

  test('a pool id that does not exist: no discovery document', async () => {
    const wrong = 'eu-west-1_NoSuchPool';
    const found = mismatches(await run({ userPoolId: wrong, issuer: `${emulator.url}/${wrong}` }));
    assert.match(found.get('discovery') ?? '', /no user pool answers .*HTTP 404.*COGNITO_USER_POOL_ID/);
  });

  test("an issuer that is not the pool's (another host name for the same server)", async () => {
    const issuer = emulator.issuer().replace('127.0.0.1', 'localhost');
    const found = mismatches(await run({ issuer }));
    assert.match(
      found.get('discovery.issuer') ?? '',
      new RegExp(`fix: set COGNITO_ISSUER=${emulator.issuer()}`),
    );
    assert.ok(found.has('discovery.jwks_uri'));
  });

  test("a JWKS URL that is not the pool's", async () => {
    const found = mismatches(
      await run({ jwksUri: `${emulator.url}/eu-west-1_Other9/.well-known/jwks.json` }),
    );
    assert.match(found.get('discovery.jwks_uri') ?? '', /remove COGNITO_JWKS_URI/);
    assert.match(found.get('jwks') ?? '', /no RSA signing keys/);
  });

  test('a domain that is not a Cognito domain', async () => {
    const found = mismatches(await run({ domain: `${emulator.url}/not-a-domain` }));
    assert.match(found.get('domain.authorize') ?? '', /HTTP 404.*COGNITO_DOMAIN/);
  });

  test('an authorize answer it does not know (a 400 without a redirect) is a warning, never "accepted"', async () => {
    const fetchWith400: typeof fetch = async (input, init) =>
      String(input).includes('/oauth2/authorize')
        ? new Response('Invalid client id', { status: 400 })
        : fetch(input, init);
    const report = await run({}, { fetch: fetchWith400, cognito: null });
    const authorize = report.findings.find((f) => f.check === 'domain.authorize');
    assert.equal(authorize?.status, 'warning');
    assert.match(authorize?.message ?? '', /HTTP 400/);
    assert.equal(
      report.findings.find((f) => f.check === 'client.callback-url'),
      undefined,
    );
  });

  test('a domain that does not answer is unreachable, not a mismatch', async () => {
    const report = await run({ domain: 'http://127.0.0.1:1' }, { cognito: null });
    assert.equal(report.findings.find((f) => f.check === 'domain.authorize')?.status, 'unreachable');
  });

  test('an app client that is not in the pool', async () => {
    const found = mismatches(await run({ clientId: 'nosuchclient9', clientSecret: undefined }));
    assert.match(found.get('client.exists') ?? '', /COGNITO_CLIENT_ID/);
  });

  test('APP_URL whose callback and sign-out URLs are not registered', async () => {
    const found = mismatches(await run({}, { appUrl: 'https://articles.example.com' }));
    assert.match(
      found.get('client.callback-url') ?? '',
      /https:\/\/articles\.example\.com\/auth\/callback is not registered.*fix: add https:\/\/articles\.example\.com\/auth\/callback/,
    );
    assert.match(found.get('client.callback-urls') ?? '', new RegExp(`\\(${APP}/auth/callback\\)`));
    assert.match(
      found.get('client.sign-out-url') ?? '',
      /https:\/\/articles\.example\.com\/ is not registered/,
    );
    assert.ok(found.has('client.sign-out-urls'));
  });

  test('scopes the app client may not request', async () => {
    const found = mismatches(await run({}, { scopes: ['openid', 'phone'] }));
    assert.match(found.get('client.scopes') ?? '', /may not request the scopes openid phone/);
  });

  test('an app client without the authorization code grant', async () => {
    const found = mismatches(await run({ clientId: 'implicit1', clientSecret: undefined }));
    assert.match(found.get('client.flows') ?? '', /Authorization code grant/);
    assert.match(found.get('client.oauth-flows') ?? '', /flows: implicit/);
  });

  test('token revocation off', async () => {
    const found = mismatches(await run({ clientId: 'norevoke1' }));
    assert.match(found.get('client.token-revocation') ?? '', /Enable token revocation/);
  });

  test('the client secret: missing, superfluous, wrong', async () => {
    const missing = mismatches(await run({ clientSecret: undefined }));
    assert.match(missing.get('client.secret') ?? '', /has a secret, but none is configured/);
    const extra = mismatches(await run({ clientId: 'publicclient1' }));
    assert.match(extra.get('client.secret') ?? '', /remove COGNITO_CLIENT_SECRET/);
    const wrong = mismatches(await run({ clientSecret: `${SECRET}-old` }));
    assert.match(wrong.get('client.secret') ?? '', /is not app client goodclient1's secret/);
  });

  test('an API client id listed after the login client is checked for existence', async () => {
    const found = mismatches(await run({ clientId: ['goodclient1', 'machine1', 'gone1'] }));
    assert.match(found.get('client.exists') ?? '', /gone1 does not exist/);
  });

  test('without AWS credentials the app-client checks are skipped, the domain checks still run', async () => {
    const report = await checkConfiguration({
      pool: definePool({
        userPoolId: POOL_ID,
        clientId: 'norevoke1',
        clientSecret: SECRET,
        domain: emulator.url,
        issuer: emulator.issuer(),
      }),
      appUrl: APP,
      env: {},
    });
    assert.ok(report.ok, formatDoctorReport(report));
    assert.match(report.findings.find((f) => f.check === 'client.api')?.message ?? '', /no AWS credentials/);
    assert.equal(report.findings.find((f) => f.check === 'client.callback-url')?.status, 'ok');
  });
});

describe('npx cognito-code-grant doctor', () => {
  function io(env: Record<string, string>) {
    const out: string[] = [];
    const err: string[] = [];
    return {
      io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), env, isTTY: false },
      out,
      err,
    };
  }
  const env = () => ({
    COGNITO_USER_POOL_ID: POOL_ID,
    COGNITO_CLIENT_ID: 'goodclient1',
    COGNITO_CLIENT_SECRET: SECRET,
    COGNITO_DOMAIN: emulator.url,
    COGNITO_ISSUER: emulator.issuer(),
    APP_URL: APP,
  });

  test('exit 0 and a summary when the environment matches the pool', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const run = io(env());
    assert.equal(await main(['doctor', '--endpoint', emulator.url], run.io), 0, run.err.join(''));
    assert.match(run.out.join(''), /^ok {3}client\.token-revocation: token revocation is on$/m);
    assert.match(run.out.join(''), /configuration matches the user pool/);
  });

  test('exit 1 naming each mismatch and its fix; the secret never printed', async () => {
    const { main } = await import('../../src/cli/main.ts');
    const run = io({ ...env(), COGNITO_CLIENT_ID: 'norevoke1', COGNITO_CLIENT_SECRET: `${SECRET}-old` });
    assert.equal(
      await main(['doctor', '--endpoint', emulator.url, '--app-url', 'https://x.example.com'], run.io),
      1,
    );
    const text = run.err.join('');
    assert.match(
      text,
      /^FAIL client\.callback-url: .*\n {7}fix: add https:\/\/x\.example\.com\/auth\/callback/m,
    );
    assert.match(text, /^FAIL client\.token-revocation: /m);
    assert.match(text, /^FAIL client\.secret: /m);
    assert.match(text, /\d+ mismatches with the user pool/);
    assert.ok(!text.includes(SECRET));
  });
});
