/**
 * `npm run bench`: every benchmark of the project in one run, each figure a ratio against a
 * baseline measured in the same run (the machine is shared and noisy). Prints one table and
 * saves it, with Node and package versions, under bench/results/.
 *
 * `npm run bench -- verify http` runs only the named sections.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { BenchRow } from './lib.ts';

const sections: Record<string, () => Promise<BenchRow[]>> = {
  verify: async () => (await import('./verify.bench.ts')).benchVerify(),
  denylist: async () => (await import('./denylist.bench.ts')).benchDenylist(),
  http: async () => (await import('./http.bench.ts')).benchHttp(),
  'cold-start': async () => (await import('./cold-start.bench.ts')).benchColdStart(),
  session: async () => (await import('./session.bench.ts')).benchSession(),
  replica: async () => (await import('./replica.bench.ts')).benchReplica(),
};

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

const wanted = process.argv.slice(2);
const rows: BenchRow[] = [];
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  process.stderr.write(`running ${name} ...\n`);
  rows.push(...(await run()));
}

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
const lines = [
  `# Benchmark results ${new Date().toISOString()}`,
  '',
  env.join(', '),
  '',
  '| section | measurement | value | unit | vs baseline | ratio | target | target held |',
  '|---|---|---:|---|---|---:|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.section} | ${r.name} | ${fmt(r.value)} | ${r.unit} | ${r.baseline ?? ''} | ${r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}x`} | ${r.target ?? ''} | ${r.ok === undefined ? '' : r.ok ? 'holds' : 'NOT HELD'} |`,
  ),
];
const table = lines.join('\n');
console.log(table);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.md', import.meta.url), `${table}\n`);
writeFileSync(
  new URL('./results/latest.json', import.meta.url),
  `${JSON.stringify({ env, rows }, null, 2)}\n`,
);
const failed = rows.filter((r) => r.ok === false);
if (failed.length > 0)
  console.log(`\n${failed.length} target(s) not met: ${failed.map((r) => r.name).join('; ')}`);
