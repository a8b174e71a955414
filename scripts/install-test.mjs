#!/usr/bin/env node
// The install test: the published packages as a user gets them. `npm pack` of every published
// workspace (prepack builds it), the tarballs installed with their peer dependencies into an
// empty project outside the repository (no workspace link, no tsx, no `ccg-source` condition),
// then, from that project, with plain `node`:
//   - every subpath of the library imported as ESM and required as CommonJS, and the emulator too;
//   - the emulator started by `npx cognito-code-grant-emulator` and by `start()`, a demo user
//     signed in through its hosted login form with plain fetch (authorize, form POST, callback
//     code, token endpoint) and the tokens verified by the installed library;
//   - `npx cognito-code-grant migrate` on a SQLite file;
//   - the Lambda forwarder file copied alone into an empty folder, its handler invoked with a
//     Cognito event against a local HTTP server that verifies the signature.
// Loopback only; the registry is used for the peer dependencies. Prints one PASS or FAIL line.
// Usage: node scripts/install-test.mjs [--keep]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const keep = process.argv.includes('--keep');
const PUBLISHED = ['packages/cognito-code-grant', 'packages/emulator'];
const rootPkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// Peer dependencies a user installs for every subpath, at the versions the repository locks.
const PEERS = [
  'express',
  'fastify',
  'kysely',
  'better-sqlite3',
  'pg',
  'mysql2',
  'ioredis',
  '@aws-sdk/client-cognito-identity-provider',
];

const work = mkdtempSync(join(tmpdir(), 'ccg-install-test-'));
const results = [];
let failed = 0;

function check(name, fn) {
  return Promise.resolve()
    .then(fn)
    .then(
      () => results.push(`ok   ${name}`),
      (error) => {
        failed++;
        results.push(`FAIL ${name}\n${String(error?.stack ?? error).replace(/^/gm, '     ')}`);
      },
    )
    .finally(() => console.log(results.at(-1)));
}

function run(cmd, args, cwd, env = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

function node(args, cwd, env) {
  return run(process.execPath, args, cwd, env);
}

// --- pack -----------------------------------------------------------------------------------
const packs = join(work, 'packs');
mkdirSync(packs);
const tarballs = [];
for (const dir of PUBLISHED) {
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', packs], {
    cwd: join(root, dir),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // prepack's build log shares stdout with npm's JSON, which comes last.
  const [info] = JSON.parse(out.slice(out.search(/^\[$(?![\s\S]*^\[$)/m)));
  tarballs.push({
    dir,
    name: info.name,
    file: join(packs, info.filename),
    files: info.files.map((f) => f.path),
  });
}

await check('tarballs ship built JavaScript, README, LICENSE and CHANGELOG, no sources or tests', () => {
  for (const t of tarballs) {
    for (const must of ['README.md', 'LICENSE', 'CHANGELOG.md', 'package.json']) {
      if (!t.files.includes(must)) throw new Error(`${t.name}: ${must} missing`);
    }
    const bad = t.files.filter(
      (f) => /(^|\/)(src|test)\/|\.test\.|\.ts$/.test(f) && !f.endsWith('.d.ts') && !/\.d\.c?ts$/.test(f),
    );
    if (bad.length > 0) throw new Error(`${t.name} ships ${bad.join(', ')}`);
    if (!t.files.some((f) => f.startsWith('dist/') && f.endsWith('.js')))
      throw new Error(`${t.name}: no dist/*.js`);
  }
});

// --- install into an empty project ----------------------------------------------------------
const app = join(work, 'app');
mkdirSync(app);
writeFileSync(
  join(app, 'package.json'),
  // No dependency needs an install script (better-sqlite3 ships prebuilt binaries): denied.
  `${JSON.stringify({ name: 'ccg-install-test-app', private: true, allowScripts: { 'better-sqlite3': false } }, null, 2)}\n`,
);
const peerSpecs = PEERS.map((name) => `${name}@${rootPkg.devDependencies[name] ?? 'latest'}`);
run('npm', ['install', '--no-audit', '--no-fund', ...tarballs.map((t) => t.file), ...peerSpecs], app);
const installed = (name) => JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8'));
const lib = installed('cognito-code-grant');

await check('the installed packages are the tarballs, not workspace links or registry copies', () => {
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  for (const t of tarballs) {
    const entry = lock.packages[`node_modules/${t.name}`];
    if (!entry || entry.link || !String(entry.resolved).startsWith('file:')) {
      throw new Error(`${t.name} resolved to ${JSON.stringify(entry)}`);
    }
  }
  if (lock.packages['node_modules/cognito-code-grant-emulator/node_modules/cognito-code-grant']) {
    throw new Error('the emulator got its own copy of the library (from the registry?)');
  }
});

// --- every subpath, ESM and CommonJS --------------------------------------------------------
const specs = Object.keys(lib.exports)
  .filter((p) => p !== './package.json')
  .map((p) => (p === '.' ? lib.name : `${lib.name}/${p.slice(2)}`));
await check(`every library subpath imports as ESM and requires as CommonJS (${specs.length})`, () => {
  for (const spec of specs) {
    const s = JSON.stringify(spec);
    node(
      [
        '--input-type=module',
        '-e',
        `const m = await import(${s}); if (!Object.keys(m).length) throw new Error('no exports');`,
      ],
      app,
    );
    node(
      [
        '--input-type=commonjs',
        '-e',
        `const m = require(${s}); if (!Object.keys(m).length) throw new Error('no exports');`,
      ],
      app,
    );
  }
});
await check('the emulator imports as ESM and requires from CommonJS', () => {
  node(
    [
      '--input-type=module',
      '-e',
      "const m = await import('cognito-code-grant-emulator'); if (typeof m.start !== 'function') throw new Error('no start');",
    ],
    app,
  );
  node(
    [
      '--input-type=commonjs',
      '-e',
      "const m = require('cognito-code-grant-emulator'); if (typeof m.start !== 'function') throw new Error('no start');",
    ],
    app,
  );
});

await check(
  'the type declarations resolve for a TypeScript user (every library subpath, the emulator)',
  () => {
    // The repository's compiler, run in the project: types come from the installed packages only.
    const lines = specs.map((spec, i) => `import * as m${i} from '${spec}';\nvoid m${i};`);
    lines.push(
      "import { start, type RunningEmulator } from 'cognito-code-grant-emulator';",
      'export const running: Promise<RunningEmulator> = start({ port: 0 });',
    );
    writeFileSync(join(app, 'types.mts'), `${lines.join('\n')}\n`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    node([tsc, '--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', 'types.mts'], app);
  },
);

// --- sign-in through the emulator's hosted form, tokens verified by the library -------------
// Written into the project, so that every import resolves from its node_modules.
writeFileSync(
  join(app, 'sign-in.mjs'),
  `import { createHash, randomBytes } from 'node:crypto';
import { subscribe } from 'node:diagnostics_channel';
import { CHANNELS, createCognitoVerifier, definePool } from 'cognito-code-grant';
import { DEMO_CLIENTS, DEMO_PASSWORD, DEMO_POOL_ID, start } from 'cognito-code-grant-emulator';

const CALLBACK = 'http://localhost:3000/auth/callback';
const cookies = new Map();
function keep(res) {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i), pair.slice(i + 1));
  }
}
const cookie = () => [...cookies].map(([k, v]) => k + '=' + v).join('; ');

async function signIn(base) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const authorize = new URL('/oauth2/authorize', base);
  authorize.search = new URLSearchParams({
    client_id: DEMO_CLIENTS.web.clientId, response_type: 'code', redirect_uri: CALLBACK,
    scope: 'openid email profile', state, nonce: 'n-' + state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256',
  }).toString();
  let url = authorize.toString();
  let res = await fetch(url, { redirect: 'manual' });
  keep(res);
  while (res.status === 302) {
    url = new URL(res.headers.get('location'), url).toString();
    res = await fetch(url, { redirect: 'manual', headers: { cookie: cookie() } });
    keep(res);
  }
  const html = await res.text();
  const csrf = /name="_csrf" value="([^"]*)"/.exec(html)?.[1];
  if (res.status !== 200 || !csrf) throw new Error('no sign-in form: HTTP ' + res.status);
  res = await fetch(url, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, username: 'editor', password: DEMO_PASSWORD }).toString(),
  });
  const callback = new URL(res.headers.get('location') ?? '', url);
  if (res.status !== 302 || callback.origin + callback.pathname !== CALLBACK) throw new Error('no callback: HTTP ' + res.status);
  if (callback.searchParams.get('state') !== state) throw new Error('state not echoed');
  const code = callback.searchParams.get('code');
  const token = await fetch(new URL('/oauth2/token', base), {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: 'Basic ' + Buffer.from(DEMO_CLIENTS.web.clientId + ':' + DEMO_CLIENTS.web.clientSecret).toString('base64'),
    },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }).toString(),
  });
  const tokens = await token.json();
  if (token.status !== 200) throw new Error('token endpoint: ' + JSON.stringify(tokens));
  const pool = definePool({ userPoolId: DEMO_POOL_ID, clientId: DEMO_CLIENTS.web.clientId, issuer: base.replace(/\\/$/, '') + '/' + DEMO_POOL_ID });
  const v = createCognitoVerifier({ pools: pool });
  const access = await v.verify(tokens.access_token);
  const id = await v.verify(tokens.id_token, { tokenUse: 'id' });
  if (access.claims.username !== 'editor' || id.claims['cognito:username'] !== 'editor') throw new Error('wrong user');
  if (!id.claims['cognito:groups']?.includes('editors')) throw new Error('groups missing');
  // Verifications started together share the helper thread (the built one, from eval source);
  // one with a bad signature among them is refused, the others accepted, round after round.
  // Its diagnostics channel says it started (and nothing says it went down).
  const helper = [];
  subscribe(CHANNELS.signatureThread, (event) => helper.push(event.state + (event.reason ? ': ' + event.reason : '')));
  const uncached = createCognitoVerifier({ pools: pool, tokenCacheSize: 0 });
  const at = tokens.access_token;
  const dot = at.lastIndexOf('.');
  const forged = at.slice(0, dot + 1) + (at[dot + 1] === 'A' ? 'B' : 'A') + at.slice(dot + 2);
  for (let round = 0; round < 20 || (helper.length === 0 && round < 5000); round++) {
    const settled = await Promise.allSettled([at, at, at, forged, at, at, at, at].map((t) => uncached.verify(t)));
    const codes = settled.map((s) => (s.status === 'fulfilled' ? 'ok' : s.reason.code));
    if (codes.join() !== 'ok,ok,ok,TOKEN_SIGNATURE_INVALID,ok,ok,ok,ok') throw new Error('overlapping verify(): ' + codes.join());
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (helper.length === 0 || helper.some((e) => e !== 'up'))
    throw new Error('signature helper thread: ' + (helper.join() || 'never started'));
  return 'editor signed in; access and ID tokens verified, also 8 at a time with a forged one';
}

if (process.argv[2] === 'start') {
  const emu = await start({ port: 0, log: () => {} });
  try {
    console.log(await signIn(emu.url));
  } finally {
    await emu.stop();
  }
} else {
  console.log(await signIn(process.argv[2]));
}
`,
);

await check(
  'npx cognito-code-grant-emulator starts; sign-in with fetch; tokens verified; SIGTERM stops it',
  async () => {
    const child = spawn('npx', ['--no-install', 'cognito-code-grant-emulator', '--port', '0', '--quiet'], {
      cwd: app,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: SIGTERM reaches npx and the emulator it started, as Ctrl-C would.
      detached: true,
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (c) => {
      out += c;
    });
    child.stderr.setEncoding('utf8').on('data', (c) => {
      err += c;
    });
    try {
      await new Promise((resolve, reject) => {
        child.stdout.on('data', () => out.includes('Ctrl-C to stop') && resolve());
        child.once('exit', (code) => reject(new Error(`exited early with ${code}\n${out}\n${err}`)));
      });
      const domain = /Domain \/ admin API endpoint\s+(\S+)/.exec(out)?.[1];
      if (!domain) throw new Error(`no domain in:\n${out}`);
      node(['sign-in.mjs', domain], app);
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      const [code, signal] = await exited;
      // npx may end by the signal itself; the emulator's clean exit is in its stderr otherwise.
      if (code !== 0 && signal !== 'SIGTERM') throw new Error(`exit ${code ?? signal}\n${err}`);
      // Anything but npm's own warnings (e.g. about the machine's npm config) is the emulator's.
      const emulatorErr = err.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('npm warn'));
      if (emulatorErr.length > 0) throw new Error(`stderr:\n${err}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    }
  },
);

await check(
  "import { start } from 'cognito-code-grant-emulator'; sign-in with fetch; tokens verified",
  () => {
    node(['sign-in.mjs', 'start'], app);
  },
);

// --- migrate ---------------------------------------------------------------------------------
await check('npx cognito-code-grant migrate creates the tables in a SQLite file', () => {
  run('npx', ['--no-install', 'cognito-code-grant', 'migrate', '--database-url', './app.db'], app);
  const tables = node(
    [
      '--input-type=module',
      '-e',
      "import Database from 'better-sqlite3'; const db = new Database('app.db', { readonly: true }); console.log(db.prepare(\"select name from sqlite_master where type = 'table'\").all().map((r) => r.name).join(' '));",
    ],
    app,
  );
  for (const t of ['cognito_users', 'cognito_groups', 'cognito_sessions']) {
    if (!tables.split(/\s+/).includes(t)) throw new Error(`table ${t} missing: ${tables}`);
  }
});

// --- the Lambda forwarder, alone ------------------------------------------------------------
const secret = randomBytes(32).toString('base64url');
const event = {
  version: '1',
  triggerSource: 'PostConfirmation_ConfirmSignUp',
  region: 'us-east-1',
  userPoolId: 'us-east-1_Demo0001',
  userName: 'editor',
  callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: 'CLIENT_ID_NOT_APPLICABLE' },
  request: { userAttributes: { sub: '7d2e8c4a-1b3f-4e5d-9a6b-0c1d2e3f4a5b', email: 'editor@example.com' } },
  response: {},
};
for (const file of ['forwarder.mjs', 'forwarder.cjs']) {
  await check(
    `Lambda ${file} alone in an empty folder forwards a signed Cognito event and returns it`,
    async () => {
      const dir = join(work, `lambda-${file.replace('.', '-')}`);
      mkdirSync(dir);
      copyFileSync(join(app, 'node_modules', 'cognito-code-grant', 'dist', 'lambda', file), join(dir, file));
      const received = [];
      const server = createServer((req, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c) => {
          body += c;
        });
        req.on('end', () => {
          received.push({ method: req.method, url: req.url, headers: req.headers, body });
          res.writeHead(204).end();
        });
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const { port } = server.address();
        const load = file.endsWith('.mjs') ? `await import('./${file}')` : `require('./${file}')`;
        const type = file.endsWith('.mjs') ? 'module' : 'commonjs';
        const script = `(async () => {
        const { handler } = ${load};
        const out = await handler(${JSON.stringify(event)}, { awsRequestId: 'req-${file}' });
        process.stdout.write(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(1); });`;
        const out = await new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [`--input-type=${type}`, '-e', script], {
            cwd: dir,
            env: {
              PATH: process.env.PATH,
              COGNITO_EVENTS_URL: `http://127.0.0.1:${port}/auth/cognito-events`,
              COGNITO_WEBHOOK_SECRET: secret,
            },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.setEncoding('utf8').on('data', (c) => {
            stdout += c;
          });
          child.stderr.setEncoding('utf8').on('data', (c) => {
            stderr += c;
          });
          child.on('exit', (code) =>
            code === 0 ? resolve(stdout) : reject(new Error(`exit ${code}\n${stderr}`)),
          );
        });
        if (JSON.stringify(JSON.parse(out)) !== JSON.stringify(event)) throw new Error(`returned ${out}`);
        if (received.length !== 1) throw new Error(`${received.length} requests received`);
        const [r] = received;
        if (r.method !== 'POST' || r.url !== '/auth/cognito-events') throw new Error(`${r.method} ${r.url}`);
        if (JSON.stringify(JSON.parse(r.body)) !== JSON.stringify(event))
          throw new Error('body is not the event');
        // The signature is checked by the installed library, as the app's events route does.
        node(
          [
            '--input-type=module',
            '-e',
            `import { verifyWebhook } from 'cognito-code-grant';
           const headers = ${JSON.stringify(r.headers)};
           const v = verifyWebhook([${JSON.stringify(secret)}], (n) => headers[n], ${JSON.stringify(r.body)});
           if (v.eventId !== ${JSON.stringify(`req-${file}`)}) throw new Error('event id ' + v.eventId);`,
          ],
          app,
        );
      } finally {
        server.close();
      }
    },
  );
}

if (!keep) rmSync(work, { recursive: true, force: true });
const summary = `install-test: ${failed === 0 ? 'PASS' : 'FAIL'} (${results.length - failed} of ${results.length} checks passed, Node ${process.version})${keep ? ` in ${work}` : ''}`;
console.log(summary);
process.exit(failed === 0 ? 0 : 1);
