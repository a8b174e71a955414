/**
 * The emulator for your own app (issue 16.5): --callback-url / --logout-url and --print-seed, the
 * PORT variable, a redirect_mismatch that names the URL sent and the registered ones, seed errors
 * that name the file, and `address` / `updated_at` typed as Cognito's ID tokens have them.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { DEMO_CLIENTS, loadSeed, type RunningEmulator, start } from '../src/index.ts';

const BIN = fileURLToPath(new URL('../bin/cognito-code-grant-emulator.mjs', import.meta.url));
const APP = 'http://localhost:5173';

/** Runs the CLI until `until` shows in stdout (then SIGTERM) or it exits. */
async function runCli(
  args: string[],
  env: Record<string, string> = {},
  until?: string,
  whileUp?: (out: string) => Promise<void>,
): Promise<{ code: number | null; out: string; err: string }> {
  const { PORT: _port, ...parent } = process.env;
  const child = spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...parent, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    err += c;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    if (until) {
      await new Promise<void>((resolve, reject) => {
        const check = () => out.includes(until) && resolve();
        child.stdout.on('data', check);
        child.once('exit', () => reject(new Error(`exited early: ${out}${err}`)));
      });
      await whileUp?.(out);
      child.kill('SIGTERM');
    }
    return { code: await exited, out, err };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

function authorizeUrl(base: string, redirectUri: string): string {
  return `${base}/oauth2/authorize?${new URLSearchParams({
    client_id: DEMO_CLIENTS.web.clientId,
    redirect_uri: redirectUri,
    response_type: 'code',
  })}`;
}

describe('the emulator for your own app', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'emu-own-app-'));
  });

  test('PORT and --callback-url / --logout-url: the app on another port can sign in and out', async () => {
    const { code, out } = await runCli(
      ['--quiet', '--callback-url', `${APP}/auth/callback`, '--logout-url', `${APP}/`],
      { PORT: '0' },
      'Ctrl-C to stop',
      async (text) => {
        const domain = /Domain \/ admin API endpoint\s+(\S+)/.exec(text)?.[1];
        assert.ok(domain);
        assert.notEqual(new URL(domain).port, '9230', 'PORT=0 must pick a free port');
        const res = await fetch(authorizeUrl(domain, `${APP}/auth/callback`), { redirect: 'manual' });
        assert.equal(res.status, 302);
        assert.match(res.headers.get('location') ?? '', /\/login\?/);
        const out = await fetch(
          `${domain}/logout?client_id=${DEMO_CLIENTS.web.clientId}&logout_uri=${encodeURIComponent(`${APP}/`)}`,
          { redirect: 'manual' },
        );
        assert.equal(out.headers.get('location'), `${APP}/`);
      },
    );
    assert.equal(code, 0);
    assert.match(out, /callbacks .*http:\/\/localhost:5173\/auth\/callback/);
    assert.match(out, /sign-out .*http:\/\/localhost:5173\//);
  });

  test('--print-seed prints an editable seed with the URLs; a bad URL is refused', async () => {
    const { code, out } = await runCli(['--print-seed', '--callback-url', `${APP}/cb`]);
    assert.equal(code, 0);
    const seed = JSON.parse(out);
    const clients = seed.pools[0].clients as { clientName: string; callbackUrls?: string[] }[];
    assert.ok(clients.find((c) => c.clientName === 'articles-web')?.callbackUrls?.includes(`${APP}/cb`));
    assert.ok(clients.find((c) => c.clientName === 'articles-spa')?.callbackUrls?.includes(`${APP}/cb`));
    assert.equal(clients.find((c) => c.clientName === 'articles-worker')?.callbackUrls, undefined);
    // The printed seed loads as it is.
    const file = join(dir, 'printed.json');
    writeFileSync(file, out);
    assert.equal(loadSeed(file).pools[0]?.userPoolId, 'us-east-1_Demo0001');

    const bad = await runCli(['--print-seed', '--callback-url', '/relative']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--callback-url: not an absolute URL: \/relative/);
  });

  test('seed errors name the file', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"pools": [ { "userPoolId": "eu-west-1_A1", } ]}');
    assert.throws(
      () => loadSeed(broken),
      (e: Error) => e.message.startsWith(`seed ${broken}: not valid JSON`),
    );
    assert.throws(() => loadSeed(join(dir, 'missing.json')), /missing\.json: cannot read it \(ENOENT\)/);
    const group = join(dir, 'group.json');
    writeFileSync(
      group,
      JSON.stringify({
        pools: [{ userPoolId: 'eu-west-1_A1', users: [{ username: 'u', groups: ['nope'] }] }],
      }),
    );
    assert.throws(() => loadSeed(group), new RegExp(`seed ${group}: user u in unknown group nope`));
    const cli = await runCli(['--port', '0', '--seed', broken]);
    assert.equal(cli.code, 1);
    assert.ok(cli.err.includes(broken), cli.err);
  });
});

describe('redirect_mismatch and claim types', () => {
  let emu: RunningEmulator;
  const lines: string[] = [];
  before(async () => {
    emu = await start({
      port: 0,
      log: (l) => lines.push(l),
      seed: {
        pools: [
          {
            userPoolId: 'eu-west-1_Own1',
            clients: [
              {
                clientId: 'own',
                clientName: 'own-app',
                callbackUrls: ['http://localhost:3000/cb'],
                logoutUrls: ['http://localhost:3000/'],
              },
            ],
            users: [
              {
                username: 'ann',
                password: 'Passw0rd!x',
                attributes: {
                  address: '1 Main St, Springfield',
                  updated_at: '1767225600',
                  email: 'ann@example.com',
                },
              },
            ],
          },
        ],
      },
    });
  });
  after(async () => {
    await emu.stop();
  });

  test('an unregistered redirect_uri or logout_uri is logged with the registered ones', async () => {
    const res = await fetch(
      `${emu.url}/oauth2/authorize?client_id=own&response_type=code&redirect_uri=${encodeURIComponent('http://localhost:5173/cb')}`,
      { redirect: 'manual' },
    );
    assert.equal(res.status, 302);
    const errorPage = await fetch(new URL(res.headers.get('location')!, emu.url));
    const html = await errorPage.text();
    assert.match(html, /redirect_mismatch/);
    assert.match(html, /Registered callback URLs of own-app: http:\/\/localhost:3000\/cb/);
    const line = lines.find((l) => l.startsWith('redirect_mismatch'));
    assert.equal(
      line,
      'redirect_mismatch: client own-app (own) sent redirect_uri "http://localhost:5173/cb"; registered callback URLs: http://localhost:3000/cb. Add it to the seed, or start with --callback-url <url>.',
    );
    await fetch(
      `${emu.url}/logout?client_id=own&logout_uri=${encodeURIComponent('http://localhost:5173/')}`,
      {
        redirect: 'manual',
      },
    );
    assert.ok(
      lines.some((l) =>
        l.includes(
          'sent logout_uri "http://localhost:5173/"; registered sign-out URLs: http://localhost:3000/',
        ),
      ),
    );
  });

  test('ID token: address is an object with formatted, updated_at a number', () => {
    const { id_token } = emu.issueTokens({ username: 'ann', scopes: ['openid', 'profile'] });
    const claims = JSON.parse(Buffer.from(id_token!.split('.')[1]!, 'base64url').toString('utf8'));
    assert.deepEqual(claims.address, { formatted: '1 Main St, Springfield' });
    assert.equal(claims.updated_at, 1767225600);
  });
});
