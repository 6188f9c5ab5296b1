// Bundles the compiled server (dist/index.js, from tsc) into dist/bundle/,
// which `hangar serve` loads: the server's own modules, the protocol's, Kysely's
// and zod's (about 600 small ES modules) become one file, so start-up reads and
// links one module instead of hundreds. Every other package stays an import
// (native modules, CommonJS packages that find files beside themselves); the
// tests and the benchmark read src/ and dist/ as before.
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));
/** Bare imports that go into the bundle; everything else stays external. */
const BUNDLED = /^(?:kysely|zod|@hangar\/protocol)(?:\/|$)/;

const outDir = `${root}dist/bundle`;
await rm(outDir, { recursive: true, force: true });
const bundle = await rolldown({
  input: `${root}dist/index.js`,
  platform: 'node',
  cwd: root,
  external: (id) => !id.startsWith('.') && !id.startsWith('/') && !BUNDLED.test(id),
  logLevel: 'warn',
});
await bundle.write({ dir: outDir, format: 'esm', sourcemap: true });
await bundle.close();
