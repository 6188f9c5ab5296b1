import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerProcess } from '../agent-testbed.js';

/** Transpiled server sources by content hash, shared by every start (and every test file). */
const CACHE_DIR = join(tmpdir(), 'hangar-ts-cache');

/**
 * Starts `startServer(loadConfig(env))` in a child node process from the TypeScript sources (no
 * build needed) and resolves once it listens. Sources are transpiled once and cached by content:
 * compiling them at every start takes 10-40 s on a busy 2-core machine, which suites that restart
 * the server again and again cannot afford. `env` holds the HANGAR_* settings (and TMPDIR, if
 * given); only PATH and HOME of this process's environment are passed on.
 */
export async function startServerProcess(env: Record<string, string>): Promise<ServerProcess> {
  mkdirSync(CACHE_DIR, { recursive: true });
  const dir = await mkdtemp(join(tmpdir(), 'hangar-server-process-'));
  const typescript = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  await writeFile(
    join(dir, 'loader.mjs'),
    LOADER.replace('TYPESCRIPT_URL', typescript).replace('CACHE_DIR', JSON.stringify(CACHE_DIR)),
  );
  await writeFile(
    join(dir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./loader.mjs', import.meta.url);\n",
  );
  const serverIndex = pathToFileURL(join(import.meta.dirname, '../../index.ts')).href;
  const script = `const { loadConfig, startServer } = await import(${JSON.stringify(serverIndex)});
const server = await startServer(loadConfig(process.env));
console.log('listening on ' + server.url);
process.once('SIGTERM', () => void server.close().then(() => process.exit(0)));`;
  const child = spawn(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      pathToFileURL(join(dir, 'register.mjs')).href,
      '--input-type=module',
      '-e',
      script,
    ],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, stdio: 'pipe' },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const gone = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url)
        return { url, child, output: () => output, kill: () => gone('SIGKILL'), stop: () => gone('SIGTERM') };
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the server process did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } catch (error) {
    await gone('SIGKILL');
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** Node module hooks: `.js` imports of `.ts` files, compiled by tsc one file at a time, cached by content. */
const LOADER = `import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import ts from 'TYPESCRIPT_URL';
const cacheDir = CACHE_DIR;
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (!specifier.endsWith('.js')) throw error;
    return next(specifier.slice(0, -3) + '.ts', context);
  }
}
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const key = createHash('sha256').update(ts.version).update(url).update(source).digest('hex');
  const cached = join(cacheDir, key + '.js');
  let outputText = await readFile(cached, 'utf8').catch(() => undefined);
  if (outputText === undefined) {
    outputText = ts.transpileModule(source, {
      fileName: url,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    }).outputText;
    // Written whole, then renamed: a parallel reader never sees half a file.
    const partial = cached + '.' + process.pid + '.tmp';
    await writeFile(partial, outputText).then(() => rename(partial, cached)).catch(() => undefined);
  }
  return { format: 'module', source: outputText, shortCircuit: true };
}
`;
