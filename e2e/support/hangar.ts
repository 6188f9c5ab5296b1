import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
const WEB = fileURLToPath(new URL('../../packages/web/dist/index.html', import.meta.url));

export interface HangarProcess {
  url: string;
  /** The server's data dir (its SQLite database is hangar.db there); removed by stop(). */
  dataDir: string;
  /** A JSON request to the server as is (under HANGAR_AUTH=none it acts as the built-in admin). */
  api(path: string, method?: string, body?: unknown): Promise<Response>;
  /** Deletes a workspace (typing its name) through api() and waits until it is gone. */
  deleteWorkspace(id: string, name: string): Promise<void>;
  setupUrl: string | undefined;
  output(): string;
  stop(): Promise<void>;
}

/** The real `hangar serve`, as a user starts it, on a random port with its own data dir. */
export async function startHangar(env: Record<string, string> = {}): Promise<HangarProcess> {
  for (const file of [BIN, WEB]) {
    if (!existsSync(file))
      throw new Error(`${file} is missing: run \`npm run build\` (npm run test:e2e does).`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-e2e-'));
  const child: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HANGAR_DATA_DIR: dataDir,
      HANGAR_PORT: '0',
      HANGAR_LOG_LEVEL: 'warn',
      // A sandbox uid range of its own (the server refuses one another server on this host holds, see
      // sandbox/uid-lock.ts), so a test never depends on what else runs here; a test may choose one.
      HANGAR_SANDBOX_UID_BASE: String(4_000_000 + Math.floor(Math.random() * 100_000) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000; // a hang guard: a loaded machine starts the server slowly
  while (!/listening on http/.test(output)) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`hangar serve did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await new Promise((r) => setTimeout(r, 20)); // let the rest of the banner arrive
  const url = /listening on (http:\/\/\S+)/.exec(output)![1]!;
  const api = (path: string, method = 'GET', body?: unknown) =>
    fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    url,
    dataDir,
    api,
    deleteWorkspace: async (id, name) => {
      await api(`/api/workspaces/${id}`, 'DELETE', { confirm: name });
      const until = Date.now() + 60_000;
      while ((await api(`/api/workspaces/${id}`)).status !== 404 && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 250));
    },
    setupUrl: /(http:\/\/\S+\/setup\?token=\S+)/.exec(output)?.[1],
    output: () => output,
    stop,
  };
}
