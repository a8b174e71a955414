/**
 * Every ```ts block in README.md and docs/*.md compiles against the current code
 * (scripts/check-snippets.mjs), and the checker really fails, with file and line, on a bad one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'check-snippets.mjs');

function check(...files: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, ...files], { cwd: ROOT, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('documentation snippets', () => {
  it('every ts snippet in README.md and docs/ compiles', () => {
    const { status, output } = check();
    assert.equal(status, 0, output);
    assert.match(output, /snippet\(s\) from \d+ file\(s\) compile/);
  });

  it('reports a broken snippet with its Markdown file and line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snippets-'));
    try {
      const md = join(dir, 'broken.md');
      writeFileSync(
        md,
        [
          '# Broken',
          '',
          '```ts',
          "import { definePool } from 'cognito-code-grant';",
          "definePool({ userPoolId: 'eu-west-1_abc', clientId: 'x' });",
          '```',
          '',
          '```ts',
          "import { definePool } from 'cognito-code-grant';",
          "const pool = definePool({ userPoolId: 'eu-west-1_abc', clientId: 'x' });",
          'const n: number = pool.issuer;',
          '```',
          '',
        ].join('\n'),
      );
      const { status, output } = check(md);
      assert.equal(status, 1, output);
      assert.match(output, /broken\.md:11:\d+: error TS2322/);
      assert.doesNotMatch(output, /broken\.md:[45]:/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails when a file has no ts snippet at all', () => {
    const dir = mkdtempSync(join(tmpdir(), 'snippets-'));
    try {
      const md = join(dir, 'empty.md');
      writeFileSync(md, '# Nothing\n\n```sh\nnpm test\n```\n');
      assert.equal(check(md).status, 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
