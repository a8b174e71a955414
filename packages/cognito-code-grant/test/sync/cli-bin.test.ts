/**
 * The installed command (bin/cognito-code-grant.mjs) runs `sync` in a child Node with an 8 MB
 * semi-space unless the caller chose a size, and the report names the peak RSS. Each Node process
 * the command starts records its argv and execArgv through a preload in NODE_OPTIONS (which also
 * carries the test network guard to both).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { start } from 'cognito-code-grant-emulator';

const POOL_ID = 'eu-west-1_CliBin001';
const BIN = fileURLToPath(new URL('../../bin/cognito-code-grant.mjs', import.meta.url));
let dir: string;
let emu: Awaited<ReturnType<typeof start>>;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ccg-cli-bin-'));
  const users = Array.from({ length: 20 }, (_, i) => ({
    username: `b${i}`,
    attributes: { email: `b${i}@example.com` },
  }));
  emu = await start({
    port: 0,
    seed: { pools: [{ userPoolId: POOL_ID, clients: [], users }] },
    log: () => {},
  } as never);
});
after(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the command; resolves to its exit code, output and the Node processes it ran. */
async function runBin(args: string[], nodeOptions = '') {
  const record = join(dir, `record-${Math.random().toString(36).slice(2)}.jsonl`);
  const preload = join(dir, 'record.cjs');
  writeFileSync(
    preload,
    `require('node:fs').appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(2), execArgv: process.execArgv }) + '\\n');`,
  );
  const child = spawn(process.execPath, ['--conditions=ccg-source', BIN, ...args], {
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_OPTIONS: [process.env['NODE_OPTIONS'], `--require ${preload}`, nodeOptions]
        .filter(Boolean)
        .join(' '),
      DATABASE_URL: `sqlite:${join(dir, 'bin.db')}`,
      COGNITO_USER_POOL_ID: POOL_ID,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const processes = readFileSync(record, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { argv: string[]; execArgv: string[] });
  return { code, out, processes };
}

test('sync runs in a child with an 8 MB semi-space and reports its peak RSS', async () => {
  const { code, out, processes } = await runBin(['sync', '--endpoint', emu.url]);
  assert.equal(code, 0, out);
  assert.match(out, /applied \(20 users seen, \d+ ms, 0 throttling retries, peak RSS \d+ MB\)/);
  assert.equal(processes.length, 2);
  const syncing = processes[1]!;
  assert.ok(syncing.execArgv.includes('--max-semi-space-size=8'), JSON.stringify(syncing));
  // The monorepo's condition (any caller's flags) reaches the child too.
  assert.ok(syncing.execArgv.includes('--conditions=ccg-source'));
  assert.deepEqual(syncing.argv.slice(-3), ['sync', '--endpoint', emu.url]);
});

test('a semi-space chosen by the caller is kept: no child', async () => {
  const { code, out, processes } = await runBin(['sync', '--endpoint', emu.url], '--max-semi-space-size=16');
  assert.equal(code, 0, out);
  assert.equal(processes.length, 1);
});

test('the exit code of the child is the exit code of the command', async () => {
  const { code, out } = await runBin(['sync', '--endpoint', emu.url, '--batch-size', 'x']);
  assert.equal(code, 2, out);
  assert.match(out, /--batch-size must be a positive integer/);
});

test('other commands run in the process itself', async () => {
  const { code, processes } = await runBin(['migrate']);
  assert.equal(code, 0);
  assert.equal(processes.length, 1);
});
