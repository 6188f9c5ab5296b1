import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

// Pinned so `vite build` gives the same output whichever directory it is started from.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  plugins: [react()],
  resolve: {
    // '@hangar/protocol' exports its TypeScript under "source": bundle that
    // rather than requiring the package to be built first.
    conditions: ['source', ...defaultClientConditions],
  },
  server: {
    proxy: {
      // No changeOrigin: the server compares Origin with Host to refuse
      // cross-site requests, so Host must stay the dev server's.
      '/api': { target: 'http://127.0.0.1:7700', ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
  },
});
