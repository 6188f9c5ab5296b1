// The web suite: the JavaScript a first visit downloads before the app runs
// (the entry script of the built index.html and every module it preloads),
// gzip-compressed, against the 250 KB target; the baseline, built in the same
// run with the same Vite, is an empty React 19 app: what any React UI pays.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** First-load JavaScript, gzip bytes (issue 10; vite.config.ts fails the build above it). */
export const TARGET_BYTES = 250 * 1024;

const root = fileURLToPath(new URL('../..', import.meta.url));
const WEB_DIST = path.join(root, 'packages/web/dist');

/**
 * @typedef {{ file: string, bytes: number, gzipBytes: number }} FileSize
 */

/**
 * The first-load scripts of a built index.html, by what the browser fetches
 * before running anything: `<script type="module" src>` and `<link rel="modulepreload">`.
 * @param {string} dist
 * @returns {FileSize[]}
 */
export function firstLoadFiles(dist) {
  const html = readFileSync(path.join(dist, 'index.html'), 'utf8');
  const sources = [
    ...html.matchAll(/<script\b[^>]*\btype="module"[^>]*\bsrc="([^"]+)"/g),
    ...html.matchAll(/<link\b[^>]*\brel="modulepreload"[^>]*\bhref="([^"]+)"/g),
  ].map((m) => /** @type {string} */ (m[1]));
  return [...new Set(sources)].map((src) => {
    const code = readFileSync(path.join(dist, src.replace(/^\//, '')));
    return { file: src, bytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
  });
}

/**
 * Builds an empty React app with Vite (production, minified) in a temporary directory.
 * @param {import('./suite.js').SuiteContext} ctx
 * @returns {Promise<FileSize[]>}
 */
async function buildReactBaseline(ctx) {
  const dir = ctx.tempDirs.create('hangar-bench-web-');
  try {
    writeFileSync(
      path.join(dir, 'index.html'),
      '<!doctype html><html><body><div id="root"></div><script type="module" src="/main.js"></script></body></html>\n',
    );
    writeFileSync(
      path.join(dir, 'main.js'),
      "import { createElement } from 'react';\nimport { createRoot } from 'react-dom/client';\n" +
        "createRoot(document.getElementById('root')).render(createElement('p', null, 'hello'));\n",
    );
    const vite = await import('vite');
    await vite.build({
      root: dir,
      logLevel: 'silent',
      configFile: false,
      // React resolved from the web package, the version Hangar ships.
      resolve: { alias: { react: resolveFromWeb('react'), 'react-dom': resolveFromWeb('react-dom') } },
      build: { outDir: path.join(dir, 'dist'), emptyOutDir: true },
    });
    return firstLoadFiles(path.join(dir, 'dist'));
  } finally {
    ctx.tempDirs.remove(dir);
  }
}

/** @param {string} name */
function resolveFromWeb(name) {
  for (const base of [path.join(root, 'packages/web/node_modules'), path.join(root, 'node_modules')]) {
    if (existsSync(path.join(base, name, 'package.json'))) return path.join(base, name);
  }
  return name;
}

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function webSuite(ctx) {
  console.log('\nweb: first-load JavaScript (entry script + modulepreloads of index.html), gzip -9');
  /** @type {string[]} */
  const problems = [];
  /** @type {FileSize[] | undefined} */
  let hangar;
  if (ctx.withHangar) {
    if (existsSync(path.join(WEB_DIST, 'index.html'))) hangar = firstLoadFiles(WEB_DIST);
    else problems.push('packages/web/dist is missing: run `npm run build`');
  }
  /** @type {FileSize[] | undefined} */
  let baseline;
  try {
    baseline = await buildReactBaseline(ctx);
  } catch (error) {
    problems.push(`building the React baseline: ${error instanceof Error ? error.message : String(error)}`);
  }
  const sum = (/** @type {FileSize[] | undefined} */ files) =>
    files ? files.reduce((n, f) => n + f.gzipBytes, 0) : undefined;
  const hangarBytes = sum(hangar);
  const baselineBytes = sum(baseline);
  const kb = (/** @type {number | undefined} */ bytes) =>
    bytes === undefined ? '—' : `${(bytes / 1024).toFixed(1)} KB`;
  for (const file of hangar ?? []) console.log(`  ${file.file.padEnd(40)}${kb(file.gzipBytes).padStart(10)}`);
  console.log(`  Hangar, first load${kb(hangarBytes).padStart(32)}`);
  console.log(`  empty React 19 app (baseline)${kb(baselineBytes).padStart(21)}`);
  const met = hangarBytes === undefined ? undefined : hangarBytes <= TARGET_BYTES;
  console.log(
    `  target: at most ${kb(TARGET_BYTES)}: ${met === undefined ? 'not measured' : met ? 'met' : 'NOT met'}`,
  );
  for (const problem of problems) console.error(`bench: ${problem}`);
  return {
    result: {
      web: {
        files: hangar,
        firstLoadGzipBytes: hangarBytes,
        baselineGzipBytes: baselineBytes,
        targetBytes: TARGET_BYTES,
        met,
        problems,
      },
    },
    failed: problems.length > 0,
  };
}
