import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI_VERSION } from './version.js';

const run = promisify(execFile);
const CHECKOUT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI_DIR = join(CHECKOUT, 'packages/cli');
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-npx-'));
  dirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

interface Manifest {
  name: string;
  bin?: Record<string, string>;
}
const manifest = (dir: string) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;

describe('npx hangar in the checkout (the README)', () => {
  it('runs the built CLI from the root manifest, whether or not npm install linked a bin before the build', async () => {
    if (!existsSync(join(CLI_DIR, 'dist/bin.js')))
      throw new Error('packages/cli/dist is missing: run `npm run build` first (npm test does).');
    // A checkout whose node_modules/.bin has no `hangar` (npm links a workspace's bin at install
    // time only if its file exists then, and dist/ comes later): only the root manifest can answer.
    const root = tempDir();
    const { name, bin } = manifest(CHECKOUT);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name, version: '0.0.0', bin }));
    mkdirSync(join(root, 'packages'));
    symlinkSync(CLI_DIR, join(root, 'packages/cli'));
    const { stdout } = await run('npx', ['hangar', '--version'], {
      cwd: root,
      env: {
        ...process.env,
        npm_config_offline: 'true',
        npm_config_yes: 'false',
        npm_config_update_notifier: 'false',
      },
    });
    expect(stdout.trim()).toBe(CLI_VERSION);
  });

  it('links a committed, executable file, so npm install links it before any build', () => {
    const target = manifest(CLI_DIR).bin?.hangar;
    expect(target).toBeDefined();
    expect(target).not.toMatch(/^(\.\/)?dist\//);
    expect(() => accessSync(join(CLI_DIR, target ?? ''), constants.X_OK)).not.toThrow();
  });

  it('says to run npm run build when the CLI is not built yet', async () => {
    const copy = tempDir();
    mkdirSync(join(copy, 'bin'));
    copyFileSync(join(CLI_DIR, 'bin/hangar.js'), join(copy, 'bin/hangar.js'));
    const failure = await run(process.execPath, [join(copy, 'bin/hangar.js'), '--version']).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toMatch(/not built yet: run `npm run build`/);
  });
});
