import { defineConfig } from 'tsup';

const common = {
  format: ['esm', 'cjs'],
  dts: true,
  // `npm run build` empties dist/ first: the two builds below run side by side.
  clean: false,
  target: 'node22',
  platform: 'node',
  sourcemap: false,
} as const;

export default defineConfig([
  // Every subpath export, ESM and CJS, with declarations for both; ESM chunks are shared so an
  // app that loads several subpaths loads each module (and each error class) once.
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      'adapters/express': 'src/adapters/express.ts',
      'adapters/fastify': 'src/adapters/fastify.ts',
      'adapters/web': 'src/adapters/web.ts',
      'store/kysely/index': 'src/store/kysely/index.ts',
      'store/redis/index': 'src/store/redis/index.ts',
      'sync/index': 'src/sync/index.ts',
      'testing/index': 'src/testing/index.ts',
      cli: 'src/cli/main.ts',
    },
    splitting: true,
  },
  // The Lambda forwarder: one self-contained file per format (no shared chunk, Node built-ins
  // only), so dist/lambda/forwarder.mjs or .cjs can be zipped and uploaded as it is. `.mjs`, not
  // `.js`: alone in a zip, without this package.json's "type": "module", a `.js` file is CommonJS.
  {
    ...common,
    entry: { 'lambda/forwarder': 'src/lambda/forwarder.ts' },
    splitting: false,
    outExtension: ({ format }) => ({ js: format === 'esm' ? '.mjs' : '.cjs' }),
  },
]);
