import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig, type Plugin } from 'vite';

// Pinned so `vite build` gives the same output whichever directory it is started from.
const root = fileURLToPath(new URL('.', import.meta.url));

/** First-load JavaScript budget, gzip bytes: the build fails above it. */
const FIRST_LOAD_BUDGET = 250 * 1024;
/** Public files the service worker keeps with the shell. */
const PUBLIC_SHELL = [
  '/index.html',
  '/strict-csp.js',
  '/manifest.webmanifest',
  '/favicon.svg',
  '/icon-192.png',
  '/icon-512.png',
];

interface OutputChunk {
  type: 'chunk';
  fileName: string;
  code: string;
  isEntry: boolean;
  imports: string[];
  viteMetadata?: { importedCss: Set<string> };
}
type Bundle = Record<string, OutputChunk | { type: 'asset'; fileName: string }>;

/** The entry chunk and every chunk it imports statically: what a first visit downloads before it runs. */
function firstLoadChunks(bundle: Bundle): OutputChunk[] {
  const chunks = Object.values(bundle).filter((item): item is OutputChunk => item.type === 'chunk');
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]));
  const seen = new Map<string, OutputChunk>();
  const visit = (chunk: OutputChunk) => {
    if (seen.has(chunk.fileName)) return;
    seen.set(chunk.fileName, chunk);
    for (const name of chunk.imports) {
      const imported = byName.get(name);
      if (imported) visit(imported);
    }
  };
  chunks.filter((chunk) => chunk.isEntry).forEach(visit);
  return [...seen.values()];
}

/**
 * Prints the first-load JavaScript size (gzip), writes it to
 * dist/bundle-size.json for the benchmark, and fails the build over budget.
 */
function bundleBudget(): Plugin {
  return {
    name: 'hangar-bundle-budget',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = firstLoadChunks(bundle as unknown as Bundle);
      const files = chunks.map((chunk) => ({
        file: chunk.fileName,
        bytes: Buffer.byteLength(chunk.code),
        gzipBytes: gzipSync(chunk.code, { level: 9 }).length,
      }));
      const gzipBytes = files.reduce((sum, file) => sum + file.gzipBytes, 0);
      const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
      this.info(
        `first-load JavaScript: ${kb(gzipBytes)} gzip in ${files.length} file(s) (budget ${kb(FIRST_LOAD_BUDGET)})`,
      );
      this.emitFile({
        type: 'asset',
        fileName: 'bundle-size.json',
        source: `${JSON.stringify({ firstLoadGzipBytes: gzipBytes, budgetBytes: FIRST_LOAD_BUDGET, files }, null, 2)}\n`,
      });
      if (gzipBytes > FIRST_LOAD_BUDGET) {
        this.error(
          `first-load JavaScript is ${kb(gzipBytes)} gzip, over the ${kb(FIRST_LOAD_BUDGET)} budget: ` +
            'load the new weight lazily (React.lazy + import()) or trim it.',
        );
      }
    },
  };
}

/**
 * Emits sw.js from service-worker.js with the app shell of this build (the
 * first-load scripts and styles by their hashed names) and a version derived
 * from it, so each deploy replaces the previous cache.
 */
function serviceWorker(): Plugin {
  const template = readFileSync(new URL('service-worker.js', import.meta.url), 'utf8');
  return {
    name: 'hangar-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const chunks = firstLoadChunks(bundle as unknown as Bundle);
      const css = chunks.flatMap((chunk) => [...(chunk.viteMetadata?.importedCss ?? [])]);
      const shell = [
        ...PUBLIC_SHELL,
        ...chunks.map((chunk) => `/${chunk.fileName}`),
        ...css.map((f) => `/${f}`),
      ];
      const version = createHash('sha256')
        .update(template)
        .update(shell.join('\n'))
        .digest('hex')
        .slice(0, 12);
      const source = template
        .replace("'__HANGAR_VERSION__'", JSON.stringify(version))
        .replace('const SHELL = __HANGAR_SHELL__;', `const SHELL = ${JSON.stringify(shell)};`);
      if (source.includes('= __HANGAR') || source.includes("'__HANGAR")) {
        this.error('service-worker.js: a build constant was not filled in');
      }
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  root,
  plugins: [react(), bundleBudget(), serviceWorker()],
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
    // The terminal chunk (xterm.js) is large but lazy; the first-load budget above is the check that matters.
    chunkSizeWarningLimit: 600,
  },
});
