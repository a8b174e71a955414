/**
 * Builds the single-page app with Vite. `npm start` calls `ensureSpaBuilt()`: it builds into
 * `dist/` (never committed) when there is no build or a source file is newer than it.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package folder (where `index.html` and `vite.config.ts` are). */
export const SPA_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Where `npm start` keeps its build. */
export const DEFAULT_SPA_DIR = join(SPA_ROOT, 'dist');

/** Builds the app into `outDir` (emptied first). */
export async function buildSpa(outDir: string = DEFAULT_SPA_DIR): Promise<void> {
  const { build } = await import('vite');
  await build({
    root: SPA_ROOT,
    configFile: join(SPA_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
}

function newestMtime(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, name)));
  return newest;
}

/** True when `outDir` holds a build at least as new as every source it is made from. */
export function isSpaBuildCurrent(outDir: string = DEFAULT_SPA_DIR): boolean {
  const built = join(outDir, 'index.html');
  if (!existsSync(built)) return false;
  const sources = ['index.html', 'vite.config.ts', 'package.json', join('src', 'app')].map((p) =>
    newestMtime(join(SPA_ROOT, p)),
  );
  return statSync(built).mtimeMs >= Math.max(...sources);
}

/** Builds when needed; returns whether it built. */
export async function ensureSpaBuilt(outDir: string = DEFAULT_SPA_DIR): Promise<boolean> {
  if (isSpaBuildCurrent(outDir)) return false;
  await buildSpa(outDir);
  return true;
}
