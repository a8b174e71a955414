import { defineConfig } from 'tsup';

// The published emulator: ESM with declarations. The library stays an external import (a
// dependency), so the emulator signs webhooks with the same code an app verifies them with.
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  target: 'node22',
  platform: 'node',
  splitting: true,
  sourcemap: false,
});
