#!/usr/bin/env node
// Imports the BUILT library (dist/, without the ccg-source condition) through every subpath
// export, as ESM and as CommonJS, the way a user's app would. Packaging bugs ship otherwise.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const pkgUrl = new URL('../packages/cognito-code-grant/package.json', import.meta.url);
const pkg = JSON.parse(readFileSync(pkgUrl, 'utf8'));
const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json');
let failed = 0;
for (const sub of subpaths) {
  const spec = sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`;
  for (const [kind, code] of [
    [
      'esm',
      `const m = await import(${JSON.stringify(spec)}); if (Object.keys(m).length === 0) throw new Error('no exports');`,
    ],
    [
      'cjs',
      `const m = require(${JSON.stringify(spec)}); if (Object.keys(m).length === 0) throw new Error('no exports');`,
    ],
  ]) {
    const args = kind === 'esm' ? ['--input-type=module', '-e', code] : ['--input-type=commonjs', '-e', code];
    const r = spawnSync(process.execPath, args, {
      cwd: new URL('..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    const ok = r.status === 0;
    if (!ok) failed++;
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${kind} ${spec}${ok ? '' : `\n${r.stderr}`}`);
  }
}
// The errors must be recognisable across the two copies (ESM and CJS) an app may load.
const cross = spawnSync(
  process.execPath,
  [
    '--input-type=module',
    '-e',
    `import { createRequire } from 'node:module';
     const esm = await import('cognito-code-grant');
     const cjs = createRequire(process.cwd() + '/')('cognito-code-grant');
     const e = new cjs.CognitoAuthError('TOKEN_EXPIRED', 'x');
     if (!esm.isCognitoAuthError(e)) throw new Error('CJS error not recognised by the ESM guard');`,
  ],
  { cwd: new URL('..', import.meta.url).pathname, encoding: 'utf8' },
);
if (cross.status !== 0) failed++;
console.log(
  `${cross.status === 0 ? 'ok  ' : 'FAIL'} errors recognised across ESM and CJS copies${cross.status === 0 ? '' : `\n${cross.stderr}`}`,
);
if (failed > 0) {
  console.error(`${failed} package check(s) failed`);
  process.exit(1);
}
