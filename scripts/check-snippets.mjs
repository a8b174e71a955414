#!/usr/bin/env node
// Type-checks every ```ts block in README.md, the library's README and docs/**/*.md (or the
// Markdown files given as arguments) with the project's compiler settings, so the docs cannot
// drift from the code.
//
// Each block becomes its own module in a git-ignored folder inside the repository (.data/), so
// `import ... from 'cognito-code-grant/express'` resolves exactly as it does for the examples
// (workspace symlink + the `ccg-source` condition). A block is compiled as written: give it the
// imports and `declare const` lines it needs. Failures are reported as `file.md:line: message`.
//
// Usage: node scripts/check-snippets.mjs [--keep] [file.md ...]
// Exit status: 0 when every block compiles, 1 otherwise (also when no block is found).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Extracts ```ts / ```typescript blocks: [{ code, line }] where line is the first code line (1-based). */
export function extractSnippets(markdown) {
  const lines = markdown.split(/\r?\n/);
  const out = [];
  let open = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (open === null) {
      const m = /^(\s*)(`{3,}|~{3,})\s*(ts|typescript)\s*$/.exec(line);
      if (m) open = { fence: m[2], indent: m[1].length, start: i + 2, body: [] };
    } else if (line.trim() === open.fence) {
      out.push({ code: open.body.join('\n'), line: open.start });
      open = null;
    } else {
      open.body.push(line.slice(Math.min(open.indent, line.length - line.trimStart().length)));
    }
  }
  return out;
}

function defaultFiles() {
  // The published library's README too: npm shows it, so its examples must compile.
  const files = [join(root, 'README.md'), join(root, 'packages', 'cognito-code-grant', 'README.md')];
  const walk = (dir) => {
    let names;
    try {
      names = readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.md')) files.push(full);
    }
  };
  walk(join(root, 'docs'));
  return files;
}

function main(argv) {
  const keep = argv.includes('--keep');
  const args = argv.filter((a) => a !== '--keep');
  const files = (args.length > 0 ? args.map((f) => resolve(f)) : defaultFiles()).filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      console.error(`check-snippets: ${f} not found`);
      process.exitCode = 1;
      return false;
    }
  });

  // One folder per run so parallel runs (tests) never share files.
  const work = join(root, '.data', `snippets-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(work, { recursive: true });
  const map = new Map(); // generated file name -> { md, line }
  let n = 0;
  for (const md of files) {
    const snippets = extractSnippets(readFileSync(md, 'utf8'));
    for (const s of snippets) {
      const name = `${String(++n).padStart(3, '0')}_${basename(md, '.md').replace(/[^\w-]/g, '_')}_L${s.line}.ts`;
      writeFileSync(join(work, name), `${s.code}\n`);
      map.set(name, { md: relative(root, md) || md, line: s.line });
    }
  }
  if (n === 0) {
    console.error('check-snippets: no ```ts blocks found');
    if (!keep) rmSync(work, { recursive: true, force: true });
    return 1;
  }
  writeFileSync(
    join(work, 'tsconfig.json'),
    JSON.stringify(
      {
        extends: relative(work, join(root, 'tsconfig.base.json')),
        // Every block is a module of its own, even one without import/export.
        compilerOptions: { moduleDetection: 'force', noUnusedLocals: false, noEmit: true },
        include: ['*.ts'],
      },
      null,
      2,
    ),
  );

  const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(work, 'tsconfig.json'), '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  let failures = 0;
  for (const raw of output.split('\n')) {
    const m = /^(.*?)\((\d+),(\d+)\): (error .*)$/.exec(raw);
    if (!m) {
      if (raw.trim()) console.error(raw);
      continue;
    }
    const origin = map.get(basename(m[1]));
    if (origin && dirname(resolve(root, m[1])) === work) {
      console.error(`${origin.md}:${origin.line + Number(m[2]) - 1}:${m[3]}: ${m[4]}`);
    } else {
      console.error(`${m[1]}:${m[2]}:${m[3]}: ${m[4]}`);
    }
    failures++;
  }
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.error(`check-snippets: kept ${relative(root, work)}`);
  if (result.status !== 0) {
    console.error(
      `check-snippets: ${failures || 'some'} error(s) in ${n} snippet(s) from ${files.length} file(s)`,
    );
    return 1;
  }
  console.log(`check-snippets: ${n} snippet(s) from ${files.length} file(s) compile`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2)) || process.exitCode;
}
