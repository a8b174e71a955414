#!/usr/bin/env node
// Finds every *.test.ts under the workspaces and runs them with Node's test runner.
// The list is built here (not a --test glob) so node_modules and dist are skipped and --only
// narrows it. TypeScript runs through tsx, and the `ccg-source` export condition makes
// workspace packages resolve to their sources. scripts/network-guard.cjs is preloaded into every
// test process, every worker thread, and every Node process a test starts (an example's main.ts,
// the emulator CLI, npm): it rides in NODE_OPTIONS, which children inherit. Tests reach loopback
// only.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const only = [];
const passthrough = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--only') only.push(args[++i]);
  else passthrough.push(args[i]);
}
const roots = only.length > 0 ? only : ['packages', 'examples'];

function walk(dir, out) {
  if (dir.endsWith('.test.ts')) {
    out.push(relative(root, dir));
    return out;
  }
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const full = join(dir, name);
    const st = statSync(full);
    if (st.isDirectory()) walk(full, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, full));
  }
  return out;
}

const files = roots.flatMap((r) => walk(join(root, r), [])).sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// NODE_OPTIONS splits on spaces outside double quotes, so the path is quoted (with `\` and `"`
// escaped) in case the checkout's path has a space.
const guardPath = fileURLToPath(new URL('./network-guard.cjs', import.meta.url));
const guard = `--require "${guardPath.replace(/[\\"]/g, '\\$&')}"`;
const nodeOptions = [process.env.NODE_OPTIONS, guard].filter(Boolean).join(' ');
const result = spawnSync(
  process.execPath,
  [
    '--conditions=ccg-source',
    '--import',
    'tsx',
    '--test',
    '--test-reporter=spec',
    `--test-concurrency=${process.env.TEST_CONCURRENCY ?? '2'}`,
    ...passthrough,
    ...files,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } },
);
process.exit(result.status ?? 1);
