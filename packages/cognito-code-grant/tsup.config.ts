import { defineConfig } from 'tsup';

// One build for every subpath export, ESM and CJS, with declarations for both.
export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'adapters/express': 'src/adapters/express.ts',
    'adapters/fastify': 'src/adapters/fastify.ts',
    'adapters/web': 'src/adapters/web.ts',
    'store/kysely/index': 'src/store/kysely/index.ts',
    'store/redis/index': 'src/store/redis/index.ts',
    'sync/index': 'src/sync/index.ts',
    'lambda/forwarder': 'src/lambda/forwarder.ts',
    'testing/index': 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
  sourcemap: false,
});
