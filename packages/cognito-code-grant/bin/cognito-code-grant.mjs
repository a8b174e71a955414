#!/usr/bin/env node
// The CLI: the built file when the package is installed, the TypeScript source in the monorepo.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * `sync` runs in a child Node with a young generation of 8 MB per semi-space, unless the caller
 * chose a size (flag or NODE_OPTIONS). V8 sizes the young generation from the machine's memory
 * (32 MB per semi-space on a 24 GiB host) and a sync allocates fast while holding little: a
 * 1,000,000-user sync peaked at 307 MB of RSS with Node's defaults and 192 MB with 8 MB, for
 * about 3% more CPU. The flag cannot be set once Node runs, hence the child.
 */
const SYNC_SEMI_SPACE_MB = 8;

function semiSpaceChosen() {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  return /semi[-_]space[-_]size/.test(given);
}

function runSyncInChild() {
  const child = spawn(
    process.execPath,
    [
      ...process.execArgv,
      `--max-semi-space-size=${SYNC_SEMI_SPACE_MB}`,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  // A signal meant for the command (a terminal's goes to both) reaches the child; this process
  // then ends as the child did.
  const forward = (signal) => child.kill(signal);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, forward);
  child.once('error', (error) => {
    process.stderr.write(`error: could not start the sync process: ${error.message}\n`);
    process.exitCode = 1;
  });
  child.once('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
      return;
    }
    process.exitCode = code ?? 1;
  });
}

if (process.argv[2] === 'sync' && !semiSpaceChosen()) {
  runSyncInChild();
} else {
  const built = new URL('../dist/cli.js', import.meta.url);
  let cli;
  if (existsSync(built)) {
    cli = await import(built.href);
  } else {
    const { register } = await import('tsx/esm/api');
    register();
    cli = await import(new URL('../src/cli/main.ts', import.meta.url).href);
  }
  await cli.run();
}
