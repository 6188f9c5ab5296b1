import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SandboxSpec } from './driver.js';

/** How another process builds the same driver: `new (await import(path))[exportName](options)`. */
export interface DriverModule {
  path: string;
  exportName: string;
  options: unknown;
}

/**
 * Runs `script` (an ES module body, with `driver` and `spec` in scope, and
 * `runInSandbox` from exec.ts) in a child node process that builds its own
 * driver from `module` (TypeScript, compiled on the fly); resolves once the
 * child printed `until`, with everything it printed so far. `stdio` beyond
 * the first three are handed to the child as they are (descriptors it inherits).
 */
export async function spawnDriverChild(
  module: DriverModule,
  spec: SandboxSpec,
  script: string,
  until: string,
  extraStdio: (number | 'ignore')[] = [],
): Promise<{ child: ChildProcess; output: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'hangar-contract-'));
  const typescript = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  await writeFile(join(dir, 'loader.mjs'), TS_LOADER.replace('TYPESCRIPT_URL', typescript));
  await writeFile(
    join(dir, 'register.mjs'),
    "import { register } from 'node:module';\nregister('./loader.mjs', import.meta.url);\n",
  );
  const body = `const [path, name, options, spec, execPath] = JSON.parse(process.argv[1]);
const Driver = (await import(path))[name];
const { runInSandbox } = await import(execPath);
const driver = new Driver(options);
${script}`;
  const execPath = pathToFileURL(join(import.meta.dirname, 'exec.ts')).href;
  const child = spawn(
    process.execPath,
    [
      '--import',
      pathToFileURL(join(dir, 'register.mjs')).href,
      '--input-type=module',
      '-e',
      body,
      JSON.stringify([pathToFileURL(module.path).href, module.exportName, module.options, spec, execPath]),
    ],
    { stdio: ['ignore', 'pipe', 'pipe', ...extraStdio] },
  );
  try {
    const output = await new Promise<string>((resolve, reject) => {
      let text = '';
      const collect = (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes(until)) resolve(text);
      };
      child.stdout!.on('data', collect);
      child.stderr!.on('data', collect);
      child.once('exit', (code) => reject(new Error(`the child process exited (${code}): ${text}`)));
    });
    return { child, output };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A node module loader hook that runs TypeScript sources (type-only syntax stripped by tsc). */
const TS_LOADER = `import { readFile } from 'node:fs/promises';
import ts from 'TYPESCRIPT_URL';
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
  const { outputText } = ts.transpileModule(source, {
    fileName: url,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  });
  return { format: 'module', source: outputText, shortCircuit: true };
}
`;
