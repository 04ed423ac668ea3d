// Builds the web UI (ui/) into dist/ui, which `baton serve --http` serves at "/". The pure layers
// (src/spec, src/plan, src/core) are bundled as they are: the browser validates and folds journals
// with the same code as the CLI and the engine.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/ui', import.meta.url)),
    emptyOutDir: true,
    chunkSizeWarningLimit: 4000,
    sourcemap: false,
  },
  server: {
    // `npx vite --config ui/vite.config.ts` during development: the API of a local `baton serve --http 127.0.0.1:8080`.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
