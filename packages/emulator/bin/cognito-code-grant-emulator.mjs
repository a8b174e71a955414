#!/usr/bin/env node
// Runs the built CLI when present, else the TypeScript source through tsx.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../src/cli.ts', import.meta.url).href);
}
cli.main().catch((err) => {
  process.stderr.write(`cognito-code-grant-emulator: ${err?.message ?? err}\n`);
  process.exit(1);
});
