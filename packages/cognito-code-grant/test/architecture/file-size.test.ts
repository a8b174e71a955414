// Small, named modules (GUIDE, README "Rules of the house"): no source file of the library over
// 400 lines. A file that grows past it is split by responsibility, not trimmed of comments.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const MAX_LINES = 400;
const src = new URL('../../src/', import.meta.url).pathname;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) sourceFiles(full, out);
    else if (name.endsWith('.ts')) out.push(full);
  }
  return out;
}

function linesOf(text: string): number {
  return text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;
}

function tooLong(files: readonly { name: string; text: string }[], max = MAX_LINES): string[] {
  return files
    .filter((f) => linesOf(f.text) > max)
    .map((f) => `src/${f.name}: ${linesOf(f.text)} lines (at most ${max})`);
}

describe('file size', () => {
  it(`no source file of the library is over ${MAX_LINES} lines`, () => {
    const files = sourceFiles(src).map((full) => ({
      name: relative(src, full),
      text: readFileSync(full, 'utf8'),
    }));
    assert.ok(files.length > 50, 'the walk found the sources');
    const found = tooLong(files);
    assert.deepEqual(found, [], `split these by responsibility:\n${found.join('\n')}`);
  });

  it('names a file over the limit', () => {
    const long = `${'x;\n'.repeat(MAX_LINES + 1)}`;
    assert.deepEqual(
      tooLong([
        { name: 'a.ts', text: long },
        { name: 'b.ts', text: 'x;\n' },
      ]),
      [`src/a.ts: ${MAX_LINES + 1} lines (at most ${MAX_LINES})`],
    );
    assert.deepEqual(tooLong([{ name: 'c.ts', text: 'x;\n'.repeat(MAX_LINES) }]), []);
  });
});
