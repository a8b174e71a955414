// The architecture test: every import of the library's src/, the emulator, the examples and
// bench/ obeys the rules of the house (README; the rules themselves are in import-rules.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, it } from 'node:test';
import { type Context, checkImport, KNOWN_EXCEPTIONS, scanImports } from './import-rules.ts';

const root = new URL('../../../../', import.meta.url).pathname;
const exportsMap = JSON.parse(readFileSync(join(root, 'packages/cognito-code-grant/package.json'), 'utf8'))
  .exports as Record<string, unknown>;
const ctx: Context = {
  publicSubpaths: new Set(Object.keys(exportsMap).filter((k) => k !== './package.json')),
  usedExceptions: new Set(),
};

const ROOTS = [
  'packages/cognito-code-grant/src',
  'packages/emulator/src',
  'packages/emulator/test',
  ...readdirSync(join(root, 'examples')).flatMap((name) => [`examples/${name}/src`, `examples/${name}/test`]),
  'bench',
];

function walk(dir: string, out: string[]): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    if (name === 'node_modules' || name === 'dist' || name === 'results' || name.startsWith('.')) continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (/\.(ts|tsx|mts|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function violationsIn(files: string[]): string[] {
  const found: string[] = [];
  for (const full of files) {
    const file = relative(root, full).split(sep).join('/');
    for (const ref of scanImports(file, readFileSync(full, 'utf8'))) {
      const rule = checkImport(file, ref, ctx);
      if (rule) found.push(`${file}:${ref.line} imports '${ref.specifier}': ${rule}`);
    }
  }
  return found;
}

const lib = 'packages/cognito-code-grant/src';

describe('rules of the house (imports)', () => {
  it('every import of src/, the emulator, the examples and bench/ keeps the rules', () => {
    const files = ROOTS.flatMap((r) => walk(join(root, r), []));
    assert.ok(files.length > 100, `found only ${files.length} files: the walk is broken`);
    const found = violationsIn(files);
    assert.deepEqual(found, [], `broken rules:\n${found.join('\n')}`);
    const stale = KNOWN_EXCEPTIONS.filter((e) => !ctx.usedExceptions?.has(e.from));
    assert.deepEqual(
      stale,
      [],
      'these known exceptions excuse nothing any more: remove them (and from README)',
    );
  });

  it('reads static, re-export, dynamic, require and type imports', () => {
    const refs = scanImports(
      'x.ts',
      [
        "import a from 'a';",
        "import type { B } from 'b';",
        "import { type C } from 'c';",
        "import { type D, e } from 'd';",
        "export { f } from 'f';",
        "export type { G } from 'g';",
        "export * from 'h';",
        "const i = await import('i');",
        "const j = require('j');",
        "type K = import('k').K;",
        "import l = require('l');",
        'const m = await import(name);',
      ].join('\n'),
    );
    assert.deepEqual(
      refs.map((r) => `${r.specifier}${r.typeOnly ? ':type' : ''}@${r.line}`),
      ['a@1', 'b:type@2', 'c:type@3', 'd@4', 'f@5', 'g:type@6', 'h@7', 'i@8', 'j@9', 'k:type@10', 'l@11'],
    );
  });

  it('fails on a fake violation of each rule, naming file, import and rule', () => {
    const file = `${lib}/jwt/verifier.ts`;
    const fake = (text: string, name = file) => scanImports(name, text).map((r) => checkImport(name, r, ctx));
    // the core never loads a driver or framework at run time; type-only is fine
    assert.match(
      fake("import { Kysely } from 'kysely';")[0] ?? '',
      /never loads a framework or driver \("kysely"\)/,
    );
    assert.equal(fake("import type { Kysely } from 'kysely';")[0], undefined);
    assert.match(fake("const pg = await import('pg');")[0] ?? '', /driver \("pg"\)/);
    // no import from a higher layer
    assert.match(fake("import { x } from '../session/store.ts';")[0] ?? '', /higher layer session/);
    assert.equal(fake("import { x } from '../jwks/cache.ts';")[0], undefined);
    // adapters never each other; store backends never each other; core never a store at run time
    const express = `${lib}/adapters/express.ts`;
    assert.match(
      fake("import { x } from './fastify.ts';", express)[0] ?? '',
      /adapters never import each other/,
    );
    assert.equal(fake("import { x } from './node-request.ts';", express)[0], undefined);
    assert.equal(fake("import express from 'express';", express)[0], undefined);
    const redis = `${lib}/store/redis/session-store.ts`;
    assert.match(fake("import { x } from '../kysely/database.ts';", redis)[0] ?? '', /store backends never/);
    // The ./sync entry wires the sync's Kysely store; the reconciliation behind it may not.
    assert.equal(
      fake("import { x } from '../store/kysely/sync-store.ts';", `${lib}/sync/index.ts`)[0],
      undefined,
    );
    assert.match(
      fake("import { x } from '../store/kysely/sync-store.ts';", `${lib}/sync/sync.ts`)[0] ?? '',
      /only through its port/,
    );
    assert.match(
      fake("import { x } from '../store/memory/session-store.ts';", `${lib}/session/backends.ts`)[0] ?? '',
      /only through its port/,
    );
    assert.equal(
      fake("import type { x } from '../store/memory/session-store.ts';", `${lib}/session/backends.ts`)[0],
      undefined,
    );
    // outside the library, examples may reuse each other but never reach into the library
    const spa = 'examples/articles-spa/test/user-token.test.ts';
    assert.equal(fake("import { x } from '../../articles/src/demo.ts';", spa)[0], undefined);
    assert.match(
      fake("import { x } from '../../../packages/cognito-code-grant/src/index.ts';", spa)[0] ?? '',
      /never its src/,
    );
    // outside the library: public entry points only
    const emu = 'packages/emulator/test/oauth-flow.test.ts';
    assert.match(
      fake("import { x } from '../../cognito-code-grant/src/jwt/verifier.ts';", emu)[0] ?? '',
      /never its src/,
    );
    assert.match(
      fake("import { x } from 'cognito-code-grant/src/jwt/verifier.ts';", emu)[0] ?? '',
      /not one of the library's exported subpaths/,
    );
    assert.equal(fake("import { x } from 'cognito-code-grant/testing';", emu)[0], undefined);
    const bench = 'bench/verify.bench.ts';
    assert.match(
      fake("const m = await import('../packages/cognito-code-grant/src/jwt/verifier.ts');", bench)[0] ?? '',
      /never its src/,
    );
    // and the walk reports them with file, line and import
    assert.deepEqual(
      scanImports(emu, "\nimport { x } from '../../cognito-code-grant/src/jwt/verifier.ts';").map(
        (r) => `${emu}:${r.line} imports '${r.specifier}'`,
      ),
      [`${emu}:2 imports '../../cognito-code-grant/src/jwt/verifier.ts'`],
    );
  });
});
