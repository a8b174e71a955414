#!/usr/bin/env node
// The installed package runs its build (dist/cli.js) with plain node. In the monorepo, before a
// build, it runs the TypeScript sources through tsx, resolving the workspace packages to their
// sources (the `ccg-source` export condition) as `npm test` and `npm start` do.
import { existsSync } from 'node:fs';

const dist = new URL('../dist/cli.js', import.meta.url);
let cli;
if (existsSync(dist)) {
  cli = await import(dist.href);
} else {
  const { register } = await import('node:module');
  const addCondition = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, 'ccg-source'] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addCondition)}`);
  const tsx = await import('tsx/esm/api');
  tsx.register();
  cli = await import(new URL('../src/cli.ts', import.meta.url).href);
}
cli.main().catch((err) => {
  process.stderr.write(`cognito-code-grant-emulator: ${err?.message ?? err}\n`);
  process.exit(1);
});
