/**
 * `npm run bench`: every benchmark of the project in one run, each figure a ratio against a
 * baseline measured in the same run (the machine is shared and noisy). Prints one table and
 * saves it, with Node and package versions, under bench/results/.
 *
 * Node 24 is the reference. Run on Node 24, the runner then runs the sections whose cost
 * depends on the runtime (verify, http, cold-start) again on Node 22 in a child process and
 * prints them as a second table, for information (see `findNode22` for where Node 22 comes from).
 *
 * `npm run bench -- verify http` runs only the named sections, on both Nodes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRow, LIBRARY_CONDITIONS, MEASURED_BUILD } from './lib.ts';

const sections: Record<string, () => Promise<BenchRow[]>> = {
  verify: async () => (await import('./verify.bench.ts')).benchVerify(),
  denylist: async () => (await import('./denylist.bench.ts')).benchDenylist(),
  http: async () => (await import('./http.bench.ts')).benchHttp(),
  'cold-start': async () => (await import('./cold-start.bench.ts')).benchColdStart(),
  session: async () => (await import('./session.bench.ts')).benchSession(),
  replica: async () => (await import('./replica.bench.ts')).benchReplica(),
};

/**
 * The sections the Node 22 pass runs when no section is named: the ones whose cost is the
 * runtime's (crypto, HTTP parsing, module loading). denylist, session and replica are dominated
 * by the stores and the database round trips, and would add ~8 minutes for little information.
 */
const NODE22_SECTIONS = ['verify', 'http', 'cold-start'];
const NODE22_NOTE = 'for information; Node 24 is the reference';
/** Set in the Node 22 child: write the rows to this file as JSON instead of printing a table. */
const PASS_OUT = process.env['CCG_BENCH_PASS_OUT'];

function version(pkg: string): string {
  try {
    const url = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
    return JSON.parse(readFileSync(url, 'utf8')).version;
  } catch {
    return 'n/a';
  }
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/** The median ratio, and the lowest and highest of the rounds when the bench recorded them. */
function ratioText(r: BenchRow): string {
  if (r.ratio === undefined) return '';
  const range = r.range === undefined ? '' : ` (${r.range[0].toFixed(2)}-${r.range[1].toFixed(2)})`;
  return `${r.ratio.toFixed(2)}x${range}`;
}

function table(rows: readonly BenchRow[]): string[] {
  return [
    '| section | measurement | value | unit | vs baseline | ratio (lowest-highest round) | target | target held |',
    '|---|---|---:|---|---|---:|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.section} | ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.baseline ?? ''} | ${ratioText(r)} | ${r.target ?? ''} | ${r.ok === undefined ? '' : r.ok ? 'holds' : 'NOT HELD'} |`,
    ),
  ];
}

async function runSections(names: readonly string[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const who = PASS_OUT ? `[node ${process.version}] ` : '';
  for (const name of names) {
    process.stderr.write(`${who}running ${name} ...\n`);
    rows.push(...(await sections[name]!()));
  }
  return rows;
}

type Node22 = { path: string; version: string } | { missing: string };

/**
 * Node 22 from `CCG_BENCH_NODE22=/path/to/node`, else from the cache where .ci/run installs it.
 * Never downloaded here: the bench does not reach the network.
 */
function findNode22(): Node22 {
  const given = process.env['CCG_BENCH_NODE22'];
  const cache =
    process.env['CCG_NODE_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cognito-code-grant-ci');
  const path = given || join(cache, 'node22/node_modules/node/bin/node');
  const how =
    'set CCG_BENCH_NODE22=/path/to/node (a Node 22 binary), or run .ci/run once, which installs Node 22 under ' +
    join(cache, 'node22');
  if (!existsSync(path)) {
    return {
      missing: given
        ? `CCG_BENCH_NODE22=${given} does not exist; ${how}.`
        : `Node 22 was not found at ${path}; ${how}.`,
    };
  }
  let v: string;
  try {
    v = execFileSync(path, ['--version'], { encoding: 'utf8' }).trim();
  } catch (err) {
    return { missing: `${path} --version failed (${(err as Error).message}); ${how}.` };
  }
  if (!v.startsWith('v22.')) return { missing: `${path} is Node ${v}, not Node 22; ${how}.` };
  return { path, version: v };
}

type Node22Pass =
  | { version: string; sections: string[]; rows: BenchRow[] }
  | { skipped: string; sections: string[] };

async function node22Pass(names: readonly string[]): Promise<Node22Pass> {
  if (names.length === 0) return { skipped: 'none of the sections run here is in its set', sections: [] };
  if (process.env['CCG_BENCH_NODE22'] === 'off')
    return { skipped: 'CCG_BENCH_NODE22=off', sections: [...names] };
  const node = findNode22();
  if ('missing' in node) return { skipped: node.missing, sections: [...names] };
  const dir = mkdtempSync(join(tmpdir(), 'ccg-bench-node22-'));
  const out = join(dir, 'rows.json');
  try {
    // The same entry point through tsx, as `npm run bench` starts it; the child's own output
    // goes to stderr so that stdout carries only the tables.
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        node.path,
        [...LIBRARY_CONDITIONS, '--import', 'tsx', fileURLToPath(import.meta.url), ...names],
        { env: { ...process.env, CCG_BENCH_PASS_OUT: out }, stdio: ['ignore', 2, 'inherit'] },
      );
      child.once('error', reject);
      child.once('exit', resolve);
    });
    if (code !== 0 || !existsSync(out))
      return { skipped: `the Node 22 pass exited with ${code} (its output is above)`, sections: [...names] };
    const rows = JSON.parse(readFileSync(out, 'utf8')) as BenchRow[];
    return { version: node.version, sections: [...names], rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !(w in sections));
if (unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}; known: ${Object.keys(sections).join(', ')}`);
  process.exit(2);
}
const names = Object.keys(sections).filter((n) => wanted.length === 0 || wanted.includes(n));

if (PASS_OUT) {
  writeFileSync(PASS_OUT, JSON.stringify(await runSections(names)));
  process.exit(0);
}

const rows = await runSections(names);
const major = Number(process.versions.node.split('.')[0]);
// Named sections run on both Nodes; a full run gives Node 22 only the runtime-bound ones.
const names22 = wanted.length > 0 ? names : names.filter((n) => NODE22_SECTIONS.includes(n));
const pass22: Node22Pass | undefined = major === 24 ? await node22Pass(names22) : undefined;

const env = [
  `node ${process.version}`,
  `${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}`,
  ...[
    'cognito-code-grant',
    'aws-jwt-verify',
    'jose',
    'fast-jwt',
    'fastify',
    'express',
    'kysely',
    'better-sqlite3',
    'pg',
    'ioredis',
  ].map(
    (p) =>
      `${p} ${p === 'cognito-code-grant' ? JSON.parse(readFileSync(new URL('../packages/cognito-code-grant/package.json', import.meta.url), 'utf8')).version : version(p)}`,
  ),
];

function node22Lines(pass: Node22Pass | undefined): string[] {
  if (pass === undefined)
    return [
      `Node 22 pass: not run (this run is on Node ${process.version}; it runs only from Node 24, the reference).`,
    ];
  if ('skipped' in pass) return [`Node 22 pass: not run: ${pass.skipped}`];
  return [
    `## Node ${pass.version} (${NODE22_NOTE})`,
    '',
    `Sections: ${pass.sections.join(', ')}${wanted.length === 0 ? ` (a full run gives Node 22 the sections whose cost is the runtime's; denylist, session and replica are dominated by the stores)` : ''}. Same packages and machine as above.`,
    '',
    ...table(pass.rows),
  ];
}

const lines = [
  `# Benchmark results ${new Date().toISOString()}`,
  '',
  env.join(', '),
  '',
  `cognito-code-grant measured as ${MEASURED_BUILD}.`,
  '',
  ...table(rows),
  '',
  ...node22Lines(pass22),
];
const text = lines.join('\n');
console.log(text);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.md', import.meta.url), `${text}\n`);
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ env, rows, node22: pass22 ?? null }, null, 2)}\n`,
);
const failed = rows.filter((r) => r.ok === false);
if (failed.length > 0)
  console.log(`\n${failed.length} target(s) not met: ${failed.map((r) => r.name).join('; ')}`);
if (pass22 && 'rows' in pass22) {
  const failed22 = pass22.rows.filter((r) => r.ok === false);
  if (failed22.length > 0)
    console.log(
      `On Node ${pass22.version} (${NODE22_NOTE}), ${failed22.length} target(s) not met: ${failed22.map((r) => r.name).join('; ')}`,
    );
}
