/**
 * Vite's build of the single-page app (`npm run build -w articles-spa-example`, or on `npm start`
 * through `ensureSpaBuilt()`). No Cognito value is baked in: the page fetches `/config.json` at
 * load, so one build runs against the emulator and against a real user pool.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // Amplify and its UI make one large chunk; splitting it gains nothing for this example.
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
});
