/**
 * What an operator sees at start and in `/healthz`: a database that cannot be reached is named
 * (host and the driver's reason, never its password), not reported as a failed migration; the
 * demo never prints a database password; `/healthz` reports the database.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENTS, type RunningEmulator, start } from 'cognito-code-grant-emulator';
import { redactDatabaseUrl } from '../src/database-check.ts';
import { startDemo } from '../src/demo.ts';
import { childEnv, databaseTargets } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const PASSWORD = 'hunter2-never-printed';
const UNREACHABLE = `postgres://articles:${PASSWORD}@127.0.0.1:1/articles`;

/** Runs main.ts until it prints `until` (then SIGTERM) or exits; resolves to its output and exit code. */
function runMain(
  env: Record<string, string>,
  until?: RegExp,
): Promise<{ output: string; code: number | null }> {
  const child = spawn(
    process.execPath,
    ['--conditions=ccg-source', '--import', 'tsx', 'examples/articles/src/main.ts'],
    { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const onData = (d: Buffer) => {
    output += d;
    if (until?.test(output)) child.kill('SIGTERM');
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  return new Promise((resolve) => child.once('exit', (code) => resolve({ output, code })));
}

describe('start-up with a database that cannot be reached', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await start({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await emulator?.stop();
  });

  it('real mode names the host and the reason, not "migration (setup) failed", and no password', async () => {
    const { output, code } = await runMain({
      COGNITO_USER_POOL_ID: emulator.pool().userPoolId,
      COGNITO_CLIENT_ID: DEMO_CLIENTS.web.clientId,
      COGNITO_CLIENT_SECRET: DEMO_CLIENTS.web.clientSecret,
      COGNITO_DOMAIN: emulator.url,
      COGNITO_ISSUER: emulator.issuer(),
      APP_URL: 'http://localhost:3000',
      SESSION_SECRET: 'x'.repeat(48),
      DATABASE_URL: UNREACHABLE,
      PORT: '0',
      HOST: '127.0.0.1',
    });
    assert.equal(code, 1, output);
    assert.match(
      output,
      /database 127\.0\.0\.1:1 \(postgres:\/\/articles:\*\*\*@127\.0\.0\.1:1\/articles\) cannot be reached: .*ECONNREFUSED/,
    );
    assert.doesNotMatch(output, /migration/i);
    assert.ok(!output.includes(PASSWORD), output);
  });

  it('demo mode says the same', async () => {
    const { output, code } = await runMain({
      DATABASE_URL: UNREACHABLE,
      PORT: '0',
      EMULATOR_PORT: '0',
      SPA_PORT: '0',
      HOST: '127.0.0.1',
    });
    assert.equal(code, 1, output);
    assert.match(output, /database 127\.0\.0\.1:1 .*cannot be reached: .*ECONNREFUSED/);
    assert.ok(!output.includes(PASSWORD), output);
  });
});

describe('start-up configuration check (real mode)', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await start({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await emulator?.stop();
  });
  const env = (appUrl: string) => ({
    COGNITO_USER_POOL_ID: emulator.pool().userPoolId,
    COGNITO_CLIENT_ID: DEMO_CLIENTS.web.clientId,
    COGNITO_CLIENT_SECRET: DEMO_CLIENTS.web.clientSecret,
    COGNITO_DOMAIN: emulator.url,
    COGNITO_ISSUER: emulator.issuer(),
    APP_URL: appUrl,
    SESSION_SECRET: 'x'.repeat(48),
    DATABASE_URL: ':memory:',
    PORT: '0',
    HOST: '127.0.0.1',
  });

  it('refuses to start when the callback URL is not registered, naming it and the fix', async () => {
    const { output, code } = await runMain(env('https://articles.example.com'));
    assert.equal(code, 1, output);
    assert.match(
      output,
      /FAIL client\.callback-url: the callback URL https:\/\/articles\.example\.com\/auth\/callback is not registered/,
    );
    assert.match(output, /fix: add https:\/\/articles\.example\.com\/auth\/callback/);
    assert.match(output, /--ignore-config-check/);
    assert.doesNotMatch(output, /listening on/);
    assert.ok(!output.includes(DEMO_CLIENTS.web.clientSecret));
  });

  it('starts anyway with IGNORE_CONFIG_CHECK=true, still printing the mismatch', async () => {
    const { output } = await runMain(
      { ...env('https://articles.example.com'), IGNORE_CONFIG_CHECK: 'true' },
      /listening on/,
    );
    assert.match(output, /FAIL client\.callback-url/);
    assert.match(output, /starting anyway/);
    assert.match(output, /Articles is listening on/);
  });
});

describe('demo mode banner', () => {
  const [, open, unset] = databaseTargets('articles_banner').find(([name]) => name === 'postgres')!;
  it('never prints the database password', { skip: open ? false : unset }, async () => {
    const target = await open!();
    try {
      // PostgreSQL here trusts local connections, so the password is accepted and ignored.
      const url = new URL(target.url);
      url.username ||= 'postgres';
      url.password = PASSWORD;
      const { output } = await runMain(
        { DATABASE_URL: url.href, PORT: '0', EMULATOR_PORT: '0', SPA_PORT: '0', HOST: '127.0.0.1' },
        /Press Ctrl\+C to stop/,
      );
      assert.match(output, /Articles demo is running/);
      assert.ok(output.includes(redactDatabaseUrl(url.href)), output);
      assert.ok(!output.includes(PASSWORD), output);
    } finally {
      await target.drop();
    }
  });
});

describe('/healthz', () => {
  it('reports the database: 200 when it answers, 503 with its error code when it does not', async () => {
    const demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: ':memory:' });
    try {
      const up = await fetch(`${demo.appUrl}/healthz`);
      assert.equal(up.status, 200);
      assert.deepEqual(await up.json(), { ok: true, database: { ok: true } });
      await demo.db.destroy();
      const down = await fetch(`${demo.appUrl}/healthz`);
      assert.equal(down.status, 503);
      const body = (await down.json()) as { ok: boolean; database: { ok: boolean; error: string } };
      assert.equal(body.ok, false);
      assert.equal(body.database.ok, false);
      assert.equal(typeof body.database.error, 'string');
    } finally {
      await demo.close();
    }
  });
});

describe('sign-in error page', () => {
  it("is the app's page (its header and styles, a nonce CSP), not the library's plain one", async () => {
    const demo = await startDemo({ port: 0, emulatorPort: 0, host: '127.0.0.1', databaseUrl: ':memory:' });
    try {
      const res = await fetch(`${demo.appUrl}/auth/callback?code=abc&state=forged`);
      assert.equal(res.status, 400);
      const html = await res.text();
      assert.match(html, /<span class="brand">.*Articles<\/span>/);
      assert.match(html, /<section class="card" id="error">\s*<h2>Your sign-in could not be completed<\/h2>/);
      assert.match(html, /<code>LOGIN_STATE_MISSING<\/code>/);
      assert.match(html, /<a class="button" href="\/auth\/login">Sign in again<\/a>/);
      const nonce = /<style nonce="([^"]+)">/.exec(html)?.[1];
      assert.ok(nonce);
      assert.match(
        res.headers.get('content-security-policy') ?? '',
        new RegExp(`style-src 'nonce-${nonce.replace(/[+/]/g, '\\$&')}'`),
      );
    } finally {
      await demo.close();
    }
  });
});
