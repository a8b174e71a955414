/**
 * Cold start for serverless users (issue 17.5): the time a new Node process takes to load a
 * verifier library and verify its first token with keys it already has (a JWKS preloaded, no
 * fetch), for us, aws-jwt-verify, jose and fast-jwt. Each library is used through a small entry
 * bundled with esbuild the same way (what a function's deployment holds), run in a child
 * process; the figure is the child's CPU time when it answers minus that of a child that loads
 * nothing (Node's own start-up), median of interleaved runs (CPU, not wall time: on a shared
 * machine the wall clock mostly measures the neighbours; ours is also printed in wall time).
 * For information: no target; the ratio says how many times longer a peer takes than we do.
 * Run alone: `node --conditions=ccg-source --import tsx bench/cold-start.bench.ts`
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BenchRow, median } from './lib.ts';

const RUNS = Number(process.env['CCG_BENCH_COLD_RUNS'] ?? 15);
const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Put before every bundle: `done(sub)` prints the answer with the process's CPU time and its
 * time since start; CommonJS dependencies (fast-jwt) need `require` in an ESM bundle.
 */
const BANNER = [
  "import { createRequire } from 'node:module';",
  'const require = createRequire(import.meta.url);',
  'const done = (sub) => { const u = process.cpuUsage();',
  'console.log(JSON.stringify({ sub, cpu: (u.user + u.system) / 1000, wall: performance.now() })); };',
].join(' ');

/** Each entry reads CCG_COLD (issuer, pool, client, JWKS, token) and prints the verified `sub`. */
const ENTRIES: Record<string, string> = {
  none: `done('none');`,
  'cognito-code-grant': `
import { createCognitoVerifier, definePool } from 'cognito-code-grant';
const c = JSON.parse(process.env.CCG_COLD);
const pool = definePool({ userPoolId: c.userPoolId, clientId: c.clientId, issuer: c.issuer });
const verifier = createCognitoVerifier({ pools: pool });
verifier.loadJwks(pool.issuer, c.jwks);
done(verifier.verifySync(c.token).claims.sub);`,
  'aws-jwt-verify': `
import { CognitoJwtVerifier } from 'aws-jwt-verify';
const c = JSON.parse(process.env.CCG_COLD);
const verifier = CognitoJwtVerifier.create({ userPoolId: c.userPoolId, clientId: c.clientId, tokenUse: 'access' });
verifier.cacheJwks(c.jwks);
done(verifier.verifySync(c.token).sub);`,
  jose: `
import { createLocalJWKSet, jwtVerify } from 'jose';
const c = JSON.parse(process.env.CCG_COLD);
const { payload } = await jwtVerify(c.token, createLocalJWKSet(c.jwks), { issuer: c.issuer, algorithms: ['RS256'] });
if (payload.token_use !== 'access' || payload.client_id !== c.clientId) throw new Error('claims');
done(payload.sub);`,
  'fast-jwt': `
import { createPublicKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
const c = JSON.parse(process.env.CCG_COLD);
const jwk = c.jwks.keys.find((k) => k.kid === c.accessKid);
const key = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
const payload = createVerifier({ key, algorithms: ['RS256'], allowedIss: c.issuer })(c.token);
if (payload.token_use !== 'access' || payload.client_id !== c.clientId) throw new Error('claims');
done(payload.sub);`,
};

interface Timing {
  cpu: number;
  wall: number;
}

/** The child's CPU and wall ms when it answered, checking that it verified `expect`. */
function run(file: string, env: Record<string, string>, expect: string): Promise<Timing> {
  const child = spawn(process.execPath, [file], { env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (err += d));
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => {
      let answer: (Timing & { sub?: string }) | undefined;
      try {
        answer = JSON.parse(out) as Timing & { sub?: string };
      } catch {
        answer = undefined;
      }
      if (code !== 0 || answer?.sub !== expect) {
        reject(new Error(`${file}: exit ${code}, ${out.slice(0, 200)}${err.slice(-500)}`));
      } else resolve({ cpu: answer.cpu, wall: answer.wall });
    });
  });
}

export async function benchColdStart(): Promise<BenchRow[]> {
  const { createTestPool } = await import('cognito-code-grant/testing');
  const test = createTestPool({ lifetimeSeconds: 86_400 });
  const sub = 'cold-start-user';
  const cold = {
    userPoolId: test.userPoolId,
    clientId: test.clientId,
    issuer: test.issuer,
    jwks: test.jwks(),
    accessKid: test.accessKey.kid,
    token: test.accessToken({ sub }),
  };
  const dir = mkdtempSync(join(tmpdir(), 'ccg-cold-'));
  try {
    const files: Record<string, string> = {};
    for (const [name, source] of Object.entries(ENTRIES)) {
      const entry = join(dir, `${name}.entry.mjs`);
      writeFileSync(entry, source);
      files[name] = join(dir, `${name}.mjs`);
      // Bundled like a function's deployment: minified, ESM, our package from its sources.
      await build({
        entryPoints: [entry],
        outfile: files[name]!,
        bundle: true,
        minify: true,
        platform: 'node',
        format: 'esm',
        target: 'node22',
        conditions: ['ccg-source'],
        // CommonJS dependencies (fast-jwt) require Node built-ins: the usual ESM-bundle shim.
        banner: { js: BANNER },
        nodePaths: [join(ROOT, 'node_modules')],
        logLevel: 'warning',
      });
    }
    const env = { CCG_COLD: JSON.stringify(cold) };
    const samples: Record<string, Timing[]> = Object.fromEntries(Object.keys(files).map((k) => [k, []]));
    for (let r = 0; r < RUNS + 1; r++) {
      for (const [name, file] of Object.entries(files)) {
        const timing = await run(file, env, name === 'none' ? 'none' : sub);
        if (r > 0) samples[name]!.push(timing); // the first round warms the file cache
      }
    }
    // CPU time is the figure: on a shared machine the wall clock mostly measures the neighbours.
    const of = (name: string, what: keyof Timing) => median(samples[name]!.map((t) => t[what]));
    const cost = (name: string, what: keyof Timing) => of(name, what) - of('none', what);
    const ours = cost('cognito-code-grant', 'cpu');
    const rows: BenchRow[] = [
      {
        section: 'cold-start',
        name: 'node start-up alone (subtracted below)',
        value: of('none', 'cpu'),
        unit: 'CPU ms',
      },
      {
        section: 'cold-start',
        name: 'ours: load + first verify (keys preloaded)',
        value: ours,
        unit: 'CPU ms',
      },
    ];
    for (const peer of ['aws-jwt-verify', 'jose', 'fast-jwt']) {
      const value = cost(peer, 'cpu');
      rows.push({
        section: 'cold-start',
        name: `${peer}: load + first verify (keys preloaded)`,
        value,
        unit: 'CPU ms',
        baseline: 'ours (ratio = theirs / ours)',
        ratio: value / ours,
      });
    }
    rows.push({
      section: 'cold-start',
      name: 'ours: load + first verify, wall clock',
      value: cost('cognito-code-grant', 'wall'),
      unit: 'ms',
    });
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchColdStart();
  console.log(`node ${process.version}`);
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `  ${r.ratio.toFixed(2)}x (info)`;
    console.log(`${r.name.padEnd(52)} ${r.value.toFixed(1).padStart(8)} ${r.unit}${ratio}`);
  }
}
