/**
 * `npm start`'s entry point: the mode decision and its errors, and a real-pool run (`COGNITO_*`
 * set, here pointing at an emulator) that serves, answers and stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_CLIENTS, type RunningEmulator, start } from 'cognito-code-grant-emulator';
import { readSettings } from '../src/env.ts';
import { childEnv } from './helpers.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SECRET = 'x'.repeat(48);

describe('readSettings', () => {
  it('runs the demo when no COGNITO_* variable is set', () => {
    const s = readSettings({ PORT: '4000' });
    assert.equal(s.mode, 'demo');
    assert.equal(s.port, 4000);
    assert.equal(s.databaseUrl, '.data/articles.db');
    if (s.mode === 'demo') assert.equal(s.emulatorPort, 9230);
  });

  it('requires APP_URL and SESSION_SECRET with a real pool, naming the variable', () => {
    const pool = { COGNITO_USER_POOL_ID: 'eu-west-1_AbC123xyz', COGNITO_CLIENT_ID: 'abc123' };
    assert.throws(() => readSettings({ COGNITO_USER_POOL_ID: 'eu-west-1_AbC123xyz' }), /COGNITO_CLIENT_ID/);
    assert.throws(() => readSettings({ ...pool, SESSION_SECRET: SECRET }), /APP_URL/);
    assert.throws(() => readSettings({ ...pool, APP_URL: 'https://a.example.com' }), /SESSION_SECRET/);
    const s = readSettings({
      ...pool,
      APP_URL: 'https://a.example.com',
      SESSION_SECRET: SECRET,
      DATABASE_URL: 'postgres://db/x',
    });
    assert.equal(s.mode, 'real');
    assert.equal(s.databaseUrl, 'postgres://db/x');
  });

  it('refuses a bad port', () => {
    assert.throws(() => readSettings({ PORT: 'eighty' }), /PORT/);
  });
});

describe('main.ts with a real pool', () => {
  let emulator: RunningEmulator;
  let child: ChildProcess | undefined;
  let dir: string;

  before(async () => {
    emulator = await start({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'articles-main-'));
  });
  after(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await emulator?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the app against the configured pool and stops cleanly on SIGTERM', async () => {
    child = spawn(
      process.execPath,
      ['--conditions=ccg-source', '--import', 'tsx', 'examples/articles/src/main.ts'],
      {
        cwd: ROOT,
        env: childEnv({
          COGNITO_USER_POOL_ID: emulator.pool().userPoolId,
          COGNITO_CLIENT_ID: DEMO_CLIENTS.web.clientId,
          COGNITO_CLIENT_SECRET: DEMO_CLIENTS.web.clientSecret,
          COGNITO_DOMAIN: emulator.url,
          COGNITO_ISSUER: emulator.issuer(),
          APP_URL: 'http://localhost:3000',
          SESSION_SECRET: SECRET,
          DATABASE_URL: join(dir, 'app.db'),
          PORT: '0',
          HOST: '127.0.0.1',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stderr?.on('data', (d) => {
      output += d;
    });
    const port = await new Promise<number>((resolve, reject) => {
      child!.stdout!.on('data', (d) => {
        output += d;
        const m = /listening on [^\s]+:(\d+);/.exec(output);
        if (m) resolve(Number(m[1]));
      });
      child!.once('exit', (code) => reject(new Error(`main.ts exited (${code}): ${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const api = await fetch(`${base}/api/articles`);
    assert.equal(api.status, 401);
    const login = await fetch(`${base}/auth/login`, { redirect: 'manual' });
    assert.equal(login.status, 302);
    assert.ok(login.headers.get('location')?.startsWith(`${emulator.url}/oauth2/authorize?`));
    assert.match(output, /COGNITO_WEBHOOK_SECRET not set/);
    assert.doesNotMatch(output, new RegExp(SECRET));

    const exit = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  });
});
