#!/usr/bin/env node
// The CLI: the built file when the package is installed, the TypeScript source in the monorepo.
import { existsSync } from 'node:fs';

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
