/**
 * Replica figures (issue 5): first-login upsert latency (median, p99) on SQLite and PostgreSQL,
 * writes per 1,000 steady-state requests, and sync throughput from the emulator into SQLite and
 * PostgreSQL (target >= 5,000 users/s for 50,000 users into PostgreSQL), and the sync at scale
 * (issue 17 target 4): 200,000 users into PostgreSQL at >= 15,000 users/s, and a 1,000,000-user
 * pool synced with this process's RSS under 300 MB the whole way (peak sampled every 100 ms and at
 * every batch). Sizes: BENCH_SYNC_SCALE_USERS, BENCH_SYNC_POOL_USERS (0 skips the row). PostgreSQL
 * rows need TEST_POSTGRES_URL; the bench creates and drops its own database.
 *
 * Alone: `node --conditions=ccg-source --import tsx bench/replica.bench.ts`
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import { type Kysely, sql } from 'kysely';
import type { Principal } from 'cognito-code-grant';
import { createReplica, createDatabase, migrate } from 'cognito-code-grant/kysely';
import { syncPool } from 'cognito-code-grant/sync';
import { StatementCounter } from '../packages/cognito-code-grant/test/replica/helpers.ts';
import { type BenchRow, LIBRARY_CONDITIONS, median } from './lib.ts';

const SECTION = 'replica';
const POOL = 'eu-west-1_BenchPool1';
const SYNC_USERS = Number(process.env.BENCH_SYNC_USERS ?? 50_000);
const SCALE_USERS = Number(process.env.BENCH_SYNC_SCALE_USERS ?? 200_000);
const POOL_USERS = Number(process.env.BENCH_SYNC_POOL_USERS ?? 1_000_000);
const SCALE_POOL = 'eu-west-1_BenchPool2';
const RSS_LIMIT_MB = 300;
/**
 * Node flags of the syncing child of the 200,000-user row (syncPool in a process of its own):
 * none by default, as a user's own process runs it. BENCH_SYNC_CHILD_HEAP='--max-semi-space-size=8'
 * shows the same sync with a small young generation. The 1,000,000-user row runs the CLI
 * (`cognito-code-grant sync`), which sets its own (bin/cognito-code-grant.mjs).
 */
const SYNC_CHILD_HEAP = (process.env.BENCH_SYNC_CHILD_HEAP ?? '').split(' ').filter(Boolean);

interface BenchDb {
  name: string;
  db: Kysely<any>;
  url: string;
  close(): Promise<void>;
}

async function sqliteDb(): Promise<BenchDb> {
  const dir = mkdtempSync(join(tmpdir(), 'ccg-bench-'));
  const url = `sqlite:${join(dir, 'bench.db')}`;
  const db = await createDatabase(url);
  await migrate(db);
  return {
    name: 'SQLite',
    db,
    url,
    async close() {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function postgresDb(adminUrl: string): Promise<BenchDb> {
  const name = `ccg_bench_${randomBytes(5).toString('hex')}`;
  const admin = await createDatabase(adminUrl, { poolSize: 1 });
  await sql.raw(`create database ${name}`).execute(admin);
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const db = await createDatabase(u.toString());
  await migrate(db);
  return {
    name: 'PostgreSQL',
    db,
    url: u.toString(),
    async close() {
      await db.destroy();
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin);
      await admin.destroy();
    },
  };
}

function principal(sub: string, groups: string[]): Principal {
  const claims = {
    sub,
    iss: `https://cognito-idp.eu-west-1.amazonaws.com/${POOL}`,
    token_use: 'id',
    aud: 'client1',
    exp: 2_000_000_000,
    iat: 1_900_000_000,
    'cognito:username': sub,
    'cognito:groups': groups,
    email: `${sub}@example.com`,
    email_verified: true,
  };
  return {
    sub,
    username: sub,
    email: claims.email,
    emailVerified: true,
    groups,
    scopes: [],
    tokenUse: 'id',
    clientId: 'client1',
    isMachine: false,
    issuer: claims.iss,
    userPoolId: POOL,
    expiresAt: claims.exp,
    source: 'session',
    claims: claims as never,
  };
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
}

async function upsertRows(target: BenchDb): Promise<BenchRow[]> {
  const counter = new StatementCounter();
  const replica = createReplica({ db: target.db.withPlugin(counter), updateOn: 'always' });
  const latencies: number[] = [];
  const tag = randomBytes(4).toString('hex');
  for (let i = 0; i < 50; i++) await replica.syncFromPrincipal(principal(`warm-${tag}-${i}`, ['a']), 'login');
  for (let i = 0; i < 1000; i++) {
    const t0 = process.hrtime.bigint();
    await replica.syncFromPrincipal(
      principal(`first-${tag}-${i}`, ['staff', i % 2 ? 'odd' : 'even']),
      'login',
    );
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const steady = principal(`first-${tag}-1`, ['staff', 'odd']);
  await replica.syncFromPrincipal(steady, 'bearer');
  counter.reset();
  for (let i = 0; i < 1000; i++) await replica.syncFromPrincipal(steady, 'bearer');
  return [
    {
      section: SECTION,
      name: `first-login upsert, ${target.name}, median`,
      value: median(latencies),
      unit: 'ms',
    },
    {
      section: SECTION,
      name: `first-login upsert, ${target.name}, p99`,
      value: percentile(latencies, 99),
      unit: 'ms',
    },
    {
      section: SECTION,
      name: `writes per 1,000 steady requests, ${target.name}`,
      value: counter.writes,
      unit: 'writes',
      target: '0',
      ok: counter.writes === 0,
    },
  ];
}

async function syncRow(target: BenchDb, emuUrl: string, isPostgres: boolean): Promise<BenchRow> {
  const client = new CognitoIdentityProviderClient({
    region: 'eu-west-1',
    endpoint: emuUrl,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    maxAttempts: 1,
  });
  try {
    const report = await syncPool({ db: target.db, userPoolId: POOL, client });
    const perSecond = report.usersSeen / (report.durationMs / 1000);
    return {
      section: SECTION,
      name: `sync ${report.usersSeen.toLocaleString('en-US')} users from the emulator into ${target.name}`,
      value: perSecond,
      unit: 'users/s',
      ...(isPostgres ? { target: '>= 5,000 users/s', ok: perSecond >= 5000 } : {}),
    };
  } finally {
    client.destroy();
  }
}

/**
 * The sync of a large pool in a fresh child process (bench/sync-pool-child.mjs), so the peak RSS
 * reported is the syncing process's own, not this bench's.
 */
async function scaleRows(target: BenchDb, emuUrl: string, users: number, isPostgres: boolean) {
  const script = fileURLToPath(new URL('./sync-pool-child.mjs', import.meta.url));
  // tsx only when measuring the sources (their .ts needs it): the built package runs on Node alone.
  const loader = LIBRARY_CONDITIONS.length > 0 ? ['--import', 'tsx'] : [];
  const child = spawn(
    process.execPath,
    [...LIBRARY_CONDITIONS, ...SYNC_CHILD_HEAP, ...loader, script, target.url, emuUrl, SCALE_POOL],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`sync child exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').at(-1) as string) as {
    usersSeen: number;
    durationMs: number;
    startMb: number;
    peakMb: number;
  };
  return {
    perSecond: r.usersSeen / (r.durationMs / 1000),
    peakMb: r.peakMb,
    startMb: r.startMb,
    n: r.usersSeen.toLocaleString('en-US'),
    isPostgres,
    seen: r.usersSeen,
    wanted: users,
  };
}

/**
 * The sync of a large pool by the CLI, as an operator runs it: `cognito-code-grant sync`, whose
 * report names the syncing process's peak RSS (the kernel's high-water mark, not a sample).
 */
async function cliScaleRows(target: BenchDb, emuUrl: string, users: number, isPostgres: boolean) {
  const bin = fileURLToPath(
    new URL('../packages/cognito-code-grant/bin/cognito-code-grant.mjs', import.meta.url),
  );
  const args = ['sync', '--database-url', target.url, '--endpoint', emuUrl, '--user-pool-id', SCALE_POOL];
  const { AWS_ACCESS_KEY_ID: _k, AWS_PROFILE: _p, ...env } = process.env;
  const child = spawn(process.execPath, [...LIBRARY_CONDITIONS, bin, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const m = /applied \((\d+) users seen, (\d+) ms, \d+ throttling retries, peak RSS (\d+) MB\)/.exec(out);
  if (code !== 0 || !m) throw new Error(`cognito-code-grant sync exited with ${code}: ${out.slice(-500)}`);
  const seen = Number(m[1]);
  return {
    perSecond: seen / (Number(m[2]) / 1000),
    peakMb: Number(m[3]),
    n: seen.toLocaleString('en-US'),
    isPostgres,
    seen,
    wanted: users,
  };
}

async function syncAtScale(open: () => Promise<BenchDb>, users: number, isPostgres: boolean, viaCli = false) {
  const emu = await startEmulatorProcess(undefined, users);
  try {
    const t = await open();
    try {
      const rows = viaCli ? cliScaleRows : scaleRows;
      return { name: t.name, ...(await rows(t, emu.url, users, isPostgres)) };
    } finally {
      await t.close();
    }
  } finally {
    await emu.stop();
  }
}

async function startEmulatorProcess(
  seed: unknown,
  generatedUsers?: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'ccg-bench-emu-'));
  const seedFile = join(dir, 'seed.json');
  const bin = fileURLToPath(
    new URL('../packages/emulator/bin/cognito-code-grant-emulator.mjs', import.meta.url),
  );
  let args: string[];
  if (generatedUsers === undefined) {
    writeFileSync(seedFile, JSON.stringify(seed));
    args = [...LIBRARY_CONDITIONS, bin, '--port', '0', '--seed', seedFile, '--quiet'];
  } else {
    // A large pool is generated in the emulator's process (bench/sync-pool-emulator.ts).
    const script = fileURLToPath(new URL('./sync-pool-emulator.ts', import.meta.url));
    args = [...LIBRARY_CONDITIONS, '--import', 'tsx', script, String(generatedUsers), SCALE_POOL];
  }
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /admin API endpoint\s+(http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  }).catch(async (error) => {
    await stop();
    throw error;
  });
  child.stdout.resume();
  return { url, stop };
}

export async function benchReplica(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const pgUrl = process.env.TEST_POSTGRES_URL;
  const targets: (() => Promise<BenchDb>)[] = [sqliteDb];
  if (pgUrl) targets.push(() => postgresDb(pgUrl));
  for (const open of targets) {
    const t = await open();
    try {
      rows.push(...(await upsertRows(t)));
    } finally {
      await t.close();
    }
  }
  const groups = ['g0', 'g1', 'g2', 'g3', 'g4'].map((groupName) => ({ groupName }));
  const users = Array.from({ length: SYNC_USERS }, (_, i) => ({
    username: `bench${i}`,
    attributes: { email: `bench${i}@example.com`, email_verified: 'true', 'custom:n': String(i) },
    groups: [`g${i % 5}`],
    status: 'CONFIRMED',
  }));
  // The emulator runs in its own process, as Cognito is remote: in-process, its CPU time for
  // serialising pages would be charged to the sync.
  const emu = await startEmulatorProcess({ pools: [{ userPoolId: POOL, clients: [], groups, users }] });
  try {
    for (const [i, open] of targets.entries()) {
      const t = await open();
      try {
        rows.push(await syncRow(t, emu.url, i === 1));
      } finally {
        await t.close();
      }
    }
  } finally {
    await emu.stop();
  }
  // Sync at scale (issue 17 target 4).
  const scaleDb = pgUrl ? () => postgresDb(pgUrl) : sqliteDb;
  if (SCALE_USERS > 0) {
    const r = await syncAtScale(scaleDb, SCALE_USERS, pgUrl !== undefined);
    rows.push({
      section: SECTION,
      name: `sync at scale: ${r.n} users from the emulator into ${r.name}`,
      value: r.perSecond,
      unit: 'users/s',
      ...(r.isPostgres ? { target: '>= 15,000 users/s', ok: r.perSecond >= 15_000 } : {}),
    });
  }
  if (POOL_USERS > 0) {
    const r = await syncAtScale(scaleDb, POOL_USERS, pgUrl !== undefined, true);
    rows.push({
      section: SECTION,
      name: `sync at scale: ${r.n}-user pool into ${r.name} by the CLI (cognito-code-grant sync), peak RSS of the syncing process`,
      value: r.peakMb,
      unit: 'MB',
      target: `< ${RSS_LIMIT_MB} MB`,
      ok: r.peakMb < RSS_LIMIT_MB && r.seen === r.wanted,
    });
    rows.push({
      section: SECTION,
      name: `sync at scale: ${r.n}-user pool into ${r.name} by the CLI, rate`,
      value: r.perSecond,
      unit: 'users/s',
    });
  }
  if (!pgUrl)
    rows.push({
      section: SECTION,
      name: 'PostgreSQL rows skipped (TEST_POSTGRES_URL not set)',
      value: 0,
      unit: '',
    });
  return rows;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchReplica())
    console.log(
      `${r.name}: ${r.value.toFixed(2)} ${r.unit}${r.target ? ` (target ${r.target}: ${r.ok ? 'held' : 'NOT HELD'})` : ''}`,
    );
}
