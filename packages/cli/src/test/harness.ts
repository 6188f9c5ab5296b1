import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built CLI: these tests run what users run. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));
export const ADMIN = { username: 'ada', password: 'correct horse battery' };

export const bwrapMissing: string | undefined = ['/usr/bin/bwrap', '/usr/local/bin/bwrap'].some((p) =>
  existsSync(p),
)
  ? undefined
  : 'bubblewrap is not installed (apt-get install bubblewrap)';
if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

function requireBuilt(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first (npm test does).`);
}

export interface Output {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Waits until `pattern` appears in stdout+stderr after `from` characters of it. */
  waitFor: (pattern: RegExp, ms?: number, from?: number) => Promise<RegExpExecArray>;
  all: () => string;
}

function watch(child: ChildProcess): Output {
  let stdout = '';
  let stderr = '';
  let all = '';
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    all += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
    all += d.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp, ms = 30_000, from = 0) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const match = pattern.exec(all.slice(from));
      if (match) return match;
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`no ${pattern} in output (exit ${child.exitCode}):\n${all}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, stdout: () => stdout, stderr: () => stderr, exited, waitFor, all: () => all };
}

/** `hangar serve` as a subprocess on a random port, with its own data dir, removed by stop(). */
export async function startServe(env: Record<string, string>, args: string[] = []) {
  requireBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-cli-test-'));
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HANGAR_DATA_DIR: dataDir,
      HANGAR_PORT: '0',
      HANGAR_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = watch(child);
  const [, url] = await output.waitFor(/listening on (http:\/\/\S+)/);
  const setup = /(http:\/\/\S+\/setup\?token=(\S+))/.exec(output.all());
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await output.exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url: url!, setupToken: setup?.[2], output, stop, dataDir };
}

/** First-run setup of the admin; returns an API token of theirs (for set-up steps the test is not about). */
export async function setupAdmin(url: string, setupToken: string): Promise<string> {
  const origin = new URL(url).origin;
  const setup = await fetch(`${url}/api/auth/setup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ setupToken, ...ADMIN }),
  });
  if (setup.status !== 200) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
  const cookie = setup.headers.getSetCookie()[0]!.split(';')[0]!;
  const token = await fetch(`${url}/api/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin, cookie },
    body: JSON.stringify({ name: 'test set-up' }),
  });
  return ((await token.json()) as { secret: string }).secret;
}

/** fetch as the holder of `token`, JSON in and out. */
export async function api(url: string, token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as any };
}

/** A home of its own for the CLI (config, state), so tests never touch the real ~/.config. */
export function cliHome() {
  const home = mkdtempSync(join(tmpdir(), 'hangar-cli-home-'));
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
  };
  return {
    home,
    env,
    credentialsFile: join(home, 'config', 'hangar', 'credentials.json'),
    credentials: () =>
      JSON.parse(readFileSync(join(home, 'config', 'hangar', 'credentials.json'), 'utf8')) as Record<
        string,
        string
      >,
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}

const started = new Set<ChildProcess>();

/** Starts the CLI; the caller talks to its stdin and watches its output. */
export function spawnCli(args: string[], env: Record<string, string>): Output {
  requireBuilt();
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  started.add(child);
  child.on('exit', () => started.delete(child));
  return watch(child);
}

/** Runs the CLI to the end with `input` on stdin. */
export async function runCli(args: string[], env: Record<string, string>, input = '', timeoutMs = 60_000) {
  const run = spawnCli(args, env);
  run.child.stdin!.end(input);
  const timer = setTimeout(() => run.child.kill('SIGKILL'), timeoutMs);
  const code = await run.exited;
  clearTimeout(timer);
  return { code, stdout: run.stdout(), stderr: run.stderr() };
}

/** Kills CLI processes a failed test left running. */
export function killLeftovers(): void {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  started.clear();
}

/** Host processes whose real uid falls in [base, base + count): none may outlive the test. */
export function sandboxProcesses(base: number, count: number): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
      if (uid >= base && uid < base + count) found.push(Number(entry));
    } catch {
      // ended while we looked
    }
  }
  return found;
}

// eslint-disable-next-line no-control-regex -- looking for escape sequences is the point
export const ANSI = /\x1b\[/;

/** A loopback port nothing listens on (fetch refuses "bad ports" such as 9 before even trying). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until no process of the uid block is left, or `ms` pass; returns those left. */
export async function sandboxGone(base: number, count: number, ms = 15_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (sandboxProcesses(base, count).length > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return sandboxProcesses(base, count);
}
