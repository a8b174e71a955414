// The rules of the house (README, "Rules of the house") as code: which file may import what.
// scanImports() reads every import of a file with the TypeScript parser; checkImport() names the
// rule an import breaks, or returns undefined.
import { posix } from 'node:path';
import ts from 'typescript';

export interface ImportRef {
  readonly specifier: string;
  readonly line: number;
  /** Erased at build: `import type`, `export type`, all-type specifiers, `import('x').T` types. */
  readonly typeOnly: boolean;
}

export function scanImports(fileName: string, text: string): ImportRef[] {
  const kind = fileName.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, kind);
  const out: ImportRef[] = [];
  const add = (node: ts.Node, literal: ts.Expression | undefined, typeOnly: boolean) => {
    if (!literal || !ts.isStringLiteralLike(literal)) return;
    const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
    out.push({ specifier: literal.text, line, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allTypeSpecifiers =
        clause !== undefined &&
        clause.name === undefined &&
        named !== undefined &&
        ts.isNamedImports(named) &&
        named.elements.length > 0 &&
        named.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, Boolean(clause?.isTypeOnly) || allTypeSpecifiers);
    } else if (ts.isExportDeclaration(node)) {
      const clause = node.exportClause;
      const allTypeSpecifiers =
        clause !== undefined &&
        ts.isNamedExports(clause) &&
        clause.elements.length > 0 &&
        clause.elements.every((e) => e.isTypeOnly);
      add(node, node.moduleSpecifier, node.isTypeOnly || allTypeSpecifiers);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref)) add(node, ref.expression, node.isTypeOnly);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) add(node, arg.literal, true);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      if ((isImport || isRequire) && node.arguments.length > 0) add(node, node.arguments[0], false);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Drivers and frameworks: the core never loads them; adapters and store backends do. */
export const DRIVERS = [
  'express',
  'fastify',
  'fastify-plugin',
  'pg',
  'mysql2',
  'better-sqlite3',
  'ioredis',
  'kysely',
];

/**
 * The core's folders from the bottom up: a folder imports only from its own rank or below.
 * store/* (port implementations) and the two composition roots (cli/, index.ts) sit above.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors'],
  ['util', 'config', 'observability', 'testing'],
  ['jwks', 'oauth', 'aws'],
  ['jwt', 'doctor'],
  ['principal'],
  ['session'],
  ['http'],
  ['replica'],
  ['sync', 'trigger', 'lambda'],
];
const ADAPTER_SHARED = 'adapters/node-request.ts';

/**
 * Known breaks being removed, each with its reason (README says the same). Keep it short: a new
 * entry needs a reason and an owner.
 */
export const KNOWN_EXCEPTIONS: readonly { from: string; to: string; why: string }[] = [];

/**
 * Subpath entry points that wire a store into the core, as the main entry does (src-relative):
 * `./sync` builds the sync's Kysely store; the reconciliation behind it knows only the port.
 */
const STORE_WIRING_ENTRIES: readonly string[] = ['sync/index.ts'];

export interface Context {
  /** The library's public subpaths: '.', './express', ... (package.json "exports"). */
  readonly publicSubpaths: ReadonlySet<string>;
  /** Filled with the KNOWN_EXCEPTIONS that excused an import (a stale one is an error). */
  readonly usedExceptions?: Set<string>;
}

const LIB = 'packages/cognito-code-grant';
const LIB_SRC = `${LIB}/src/`;

function rankOf(folder: string): number {
  return LAYERS.findIndex((names) => names.includes(folder));
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith('.') && !specifier.startsWith('/');
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Where in the library a src file sits: its folder ('jwt', 'store/kysely', 'adapters/web.ts', 'index.ts'). */
function zoneOf(srcPath: string): string {
  const rest = srcPath.slice(LIB_SRC.length);
  const parts = rest.split('/');
  if (parts.length === 1) return rest;
  if (parts[0] === 'store') return `store/${parts[1]}`;
  if (parts[0] === 'adapters') return `adapters/${parts[1]}`;
  return parts[0] ?? rest;
}

/** The rule `file` (repository-relative, posix) breaks by importing `ref`, or undefined. */
export function checkImport(file: string, ref: ImportRef, ctx: Context): string | undefined {
  return check(file, ref, ctx);
}

function check(file: string, ref: ImportRef, ctx: Context): string | undefined {
  const { specifier } = ref;
  if (specifier.startsWith('node:')) return undefined;
  const target = isBare(specifier) ? undefined : posix.normalize(posix.join(posix.dirname(file), specifier));

  if (file.startsWith(LIB_SRC)) return checkLibrary(file, ref, target, ctx);
  if (file.startsWith(`${LIB}/test/`)) {
    // The library's own tests may import its src (they test internals) and anything else.
    return undefined;
  }
  // Outside the library (emulator, examples, bench): public entry points only.
  if (target !== undefined) {
    if (target.startsWith(`${LIB}/src/`) || target === `${LIB}/src`) {
      return 'outside the library: import its public entry points (cognito-code-grant[/subpath]), never its src/';
    }
    if (target.startsWith(`${LIB}/`) && !file.startsWith('bench/')) {
      return 'outside the library: no relative path into packages/cognito-code-grant';
    }
    if (target.startsWith(`${LIB}/`) && !target.startsWith(`${LIB}/test/`)) {
      return 'bench/: no relative path into packages/cognito-code-grant except its test helpers';
    }
    const home = homeOf(file);
    if (home && !target.startsWith(`${home}/`) && !target.startsWith(`${LIB}/test/`)) {
      return `${home}: relative imports stay inside ${home}/`;
    }
    return undefined;
  }
  if (packageName(specifier) === 'cognito-code-grant') {
    const subpath =
      specifier === 'cognito-code-grant' ? '.' : `.${specifier.slice('cognito-code-grant'.length)}`;
    if (!ctx.publicSubpaths.has(subpath)) {
      return `"${specifier}" is not one of the library's exported subpaths (${[...ctx.publicSubpaths].join(', ')})`;
    }
  }
  return undefined;
}

function homeOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts[0] === 'bench') return 'bench';
  if (parts[0] === 'examples') return 'examples'; // an example may reuse another (the SPA's tests start the Articles demo)
  if (parts[0] === 'packages') return parts.slice(0, 2).join('/');
  return undefined;
}

function checkLibrary(
  file: string,
  ref: ImportRef,
  target: string | undefined,
  ctx: Context,
): string | undefined {
  const zone = zoneOf(file);
  const isAdapter = zone.startsWith('adapters/');
  const isStore = zone.startsWith('store/');
  if (target === undefined) {
    const name = packageName(ref.specifier);
    if (name === 'cognito-code-grant')
      return 'the library imports itself by relative path, not by its package name';
    if (!DRIVERS.includes(name) || isAdapter || isStore || ref.typeOnly) return undefined;
    return `the core (src/ outside adapters/ and store/) never loads a framework or driver ("${name}") at run time; a type-only import is allowed`;
  }
  if (!target.startsWith(LIB_SRC)) return 'library src/ imports only from src/ and packages';
  const to = zoneOf(target);
  if (to === zone) return undefined;
  if (to === 'index.ts') return 'nothing inside src/ imports the main entry (src/index.ts)';
  if (zone === 'index.ts' || zone === 'cli') {
    if (to.startsWith('adapters/')) return `${zone}: the main entry and the CLI never import an adapter`;
    return undefined;
  }
  if (to === 'cli') return 'only bin/ runs the CLI: nothing in src/ imports cli/';
  if (to.startsWith('adapters/')) {
    if (isAdapter && target === LIB_SRC + ADAPTER_SHARED) return undefined;
    return isAdapter
      ? 'adapters never import each other (shared request helpers live in adapters/node-request.ts or http/)'
      : 'only adapters import adapters/ code';
  }
  if (to.startsWith('store/')) {
    if (isStore) return 'store backends never import each other';
    if (ref.typeOnly) return undefined;
    if (STORE_WIRING_ENTRIES.includes(file.slice(LIB_SRC.length))) return undefined;
    const rel = (p: string) => p.slice(LIB.length + 1);
    const known = KNOWN_EXCEPTIONS.find((e) => rel(file).startsWith(e.from) && rel(target).startsWith(e.to));
    if (known) {
      ctx.usedExceptions?.add(known.from);
      return undefined;
    }
    return `the core and the adapters reach a store only through its port (session/store.ts, replica/user-store.ts), never ${to}/ at run time`;
  }
  if (isAdapter || isStore) return undefined; // both sit above every core folder
  const from = rankOf(zone);
  const toRank = rankOf(to);
  if (from < 0) return `src/${zone}/ has no place in LAYERS (test/architecture/import-rules.ts): add it`;
  if (toRank < 0) return `src/${to}/ has no place in LAYERS (test/architecture/import-rules.ts): add it`;
  if (toRank > from) return `${zone}/ (layer ${from}) imports from the higher layer ${to}/ (layer ${toRank})`;
  return undefined;
}
