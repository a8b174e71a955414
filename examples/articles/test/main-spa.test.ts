/**
 * `npm start` serves the single-page app too: in demo mode against the emulator (its public
 * client, its endpoint), with a real pool when SPA_CLIENT_ID is set; the API answers the SPA's
 * origin with CORS. Also the SPA settings' rules. The SPA is built into examples/articles-spa/dist
 * when that build is missing or stale, as `npm start` does.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENTS, type RunningEmulator, start } from 'cognito-code-grant-emulator';
import { readSpaSettings } from '../src/spa-settings.ts';
import { childEnv } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

describe('readSpaSettings', () => {
  it('serves the SPA in demo mode on SPA_PORT (default 3001), its origin allowed by CORS', () => {
    const s = readSpaSettings({}, { mode: 'demo', host: 'localhost' });
    assert.deepEqual(s.spa, { port: 3001, url: 'http://localhost:3001', clientId: undefined });
    assert.deepEqual(s.corsOrigins, ['http://localhost:3001']);
    const t = readSpaSettings(
      { SPA_PORT: '4001', CORS_ORIGINS: 'https://a.example.com/, https://b.example.com' },
      { mode: 'demo', host: '127.0.0.1' },
    );
    assert.deepEqual(t.corsOrigins, [
      'http://127.0.0.1:4001',
      'https://a.example.com',
      'https://b.example.com',
    ]);
  });

  it('serves it with a real pool only for a client the API accepts, at SPA_URL', () => {
    const real = { mode: 'real', apiClientIds: ['web1', 'spa1'] } as const;
    assert.deepEqual(readSpaSettings({}, real), { spa: undefined, corsOrigins: [] });
    assert.throws(
      () => readSpaSettings({ SPA_CLIENT_ID: 'other' }, real),
      /SPA_CLIENT_ID .*COGNITO_CLIENT_ID/,
    );
    assert.throws(() => readSpaSettings({ SPA_CLIENT_ID: 'spa1' }, real), /SPA_URL/);
    const s = readSpaSettings({ SPA_CLIENT_ID: 'spa1', SPA_URL: 'https://spa.example.com/app' }, real);
    assert.deepEqual(s.spa, { port: 3001, url: 'https://spa.example.com', clientId: 'spa1' });
    assert.deepEqual(s.corsOrigins, ['https://spa.example.com']);
  });

  it('refuses a bad origin or port, naming the variable', () => {
    const demo = { mode: 'demo', host: 'localhost' } as const;
    assert.throws(() => readSpaSettings({ CORS_ORIGINS: 'not a url' }, demo), /CORS_ORIGINS/);
    assert.throws(() => readSpaSettings({ CORS_ORIGINS: 'ftp://x.example' }, demo), /CORS_ORIGINS/);
    assert.throws(() => readSpaSettings({ SPA_PORT: 'x' }, demo), /SPA_PORT/);
  });
});

/** Runs main.ts with `env`; resolves with its output once `ready` matches it. */
function run(env: Record<string, string>, ready: RegExp): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(
    process.execPath,
    ['--conditions=ccg-source', '--import', 'tsx', 'examples/articles/src/main.ts'],
    {
      cwd: ROOT,
      env: childEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const done = new Promise<string>((resolve, reject) => {
    const check = (d: Buffer) => {
      output += d;
      if (ready.test(output)) resolve(output);
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('exit', (code) => reject(new Error(`main.ts exited (${code}): ${output}`)));
  });
  return { child, output: done };
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  assert.equal(await exit, 0);
}

describe('npm start serves the single-page app', () => {
  let emulator: RunningEmulator;
  let child: ChildProcess | undefined;

  before(async () => {
    emulator = await start({ port: 0, host: '127.0.0.1' });
  });
  afterEach(async () => {
    await stop(child);
    child = undefined;
  });
  after(async () => {
    await emulator?.stop();
  });

  it('in demo mode, against the emulator, and prints where; the API answers its origin', async () => {
    const started = run(
      { PORT: '0', EMULATOR_PORT: '0', SPA_PORT: '0', HOST: '127.0.0.1', DATABASE_URL: ':memory:' },
      /Press Ctrl\+C/,
    );
    child = started.child;
    const output = await started.output;
    const spaUrl = /Single-page app \(Amplify\):\s+(http:\/\/\S+)/.exec(output)?.[1];
    const appUrl = /Articles demo is running:\s+(http:\/\/\S+)/.exec(output)?.[1];
    const emulatorUrl = /Cognito emulator \(demo\):\s+(http:\/\/\S+)/.exec(output)?.[1];
    assert.ok(spaUrl && appUrl && emulatorUrl, output);
    const config = (await (await fetch(`${spaUrl}/config.json`)).json()) as Record<string, string>;
    assert.deepEqual(config, {
      userPoolId: 'us-east-1_Demo0001',
      userPoolClientId: DEMO_CLIENTS.public.clientId,
      userPoolEndpoint: `${emulatorUrl}/`,
      apiUrl: appUrl,
    });
    assert.match(await (await fetch(`${spaUrl}/`)).text(), /<div id="root">/);
    const api = await fetch(`${appUrl}/api/articles`, { headers: { origin: spaUrl } });
    assert.equal(api.status, 401);
    assert.equal(api.headers.get('access-control-allow-origin'), spaUrl);
  });

  it('with a real pool when SPA_CLIENT_ID is set: no endpoint override, CORS for SPA_URL', async () => {
    const started = run(
      {
        COGNITO_USER_POOL_ID: emulator.pool().userPoolId,
        COGNITO_CLIENT_ID: `${DEMO_CLIENTS.web.clientId},${DEMO_CLIENTS.public.clientId}`,
        COGNITO_CLIENT_SECRET: DEMO_CLIENTS.web.clientSecret,
        COGNITO_DOMAIN: emulator.url,
        COGNITO_ISSUER: emulator.issuer(),
        APP_URL: 'http://localhost:3000',
        SESSION_SECRET: 'y'.repeat(48),
        DATABASE_URL: ':memory:',
        PORT: '0',
        HOST: '127.0.0.1',
        SPA_CLIENT_ID: DEMO_CLIENTS.public.clientId,
        SPA_URL: 'https://spa.example.com',
        SPA_PORT: '0',
      },
      /Single-page app is listening on [^\s]+:\d+;/,
    );
    child = started.child;
    const output = await started.output;
    const appPort = /Articles is listening on [^\s]+:(\d+);/.exec(output)?.[1];
    const spaPort = /Single-page app is listening on [^\s]+:(\d+);/.exec(output)?.[1];
    assert.match(output, /CORS: \/api\/\* answers pages on https:\/\/spa\.example\.com/);
    const config = (await (await fetch(`http://127.0.0.1:${spaPort}/config.json`)).json()) as object;
    assert.deepEqual(config, {
      userPoolId: emulator.pool().userPoolId,
      userPoolClientId: DEMO_CLIENTS.public.clientId,
      apiUrl: 'http://localhost:3000',
    });
    const api = await fetch(`http://127.0.0.1:${appPort}/api/articles`, {
      headers: { origin: 'https://spa.example.com' },
    });
    assert.equal(api.headers.get('access-control-allow-origin'), 'https://spa.example.com');
  });
});
