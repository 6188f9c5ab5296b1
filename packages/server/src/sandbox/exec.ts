import type * as pty from 'node-pty';
import type { ExecOptions, SandboxDriver, SandboxSpec } from './driver.js';
import { spawnCommand, type SpawnedChild } from './spawner.js';

export interface RunOptions extends Omit<ExecOptions, 'pty'> {
  /** Aborting ends the command (its whole process group). */
  signal?: AbortSignal;
  /** Milliseconds before the command is killed. */
  timeoutMs?: number;
  /** Bytes kept of stdout and of stderr each; the rest is dropped and `truncated` set. */
  maxOutputBytes?: number;
  stdin?: string | Buffer;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  truncated: boolean;
  durationMs: number;
}

const DEFAULT_MAX_OUTPUT = 1024 * 1024;

/** Starts a command inside the sandbox with its stdio connected to the server, in its own process group. */
export async function spawnInSandbox(
  driver: SandboxDriver,
  spec: SandboxSpec,
  options: ExecOptions,
): Promise<SpawnedChild> {
  const host = await driver.command(spec, options);
  // Through the spawner zygote: forking the server itself would stall its event loop.
  return spawnCommand({ file: host.file, args: host.args, env: host.env, cwd: host.cwd, detached: true });
}

/** Runs a command inside the sandbox to completion and collects its output. */
export async function runInSandbox(
  driver: SandboxDriver,
  spec: SandboxSpec,
  options: RunOptions,
): Promise<RunResult> {
  const started = performance.now();
  const child = await spawnInSandbox(driver, spec, options);
  const limit = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  let truncated = false;
  const collect = (stream: NodeJS.ReadableStream | null) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream?.on('data', (chunk: Buffer) => {
      if (size >= limit) {
        truncated = true;
        return;
      }
      chunks.push(chunk.subarray(0, limit - size));
      if (chunk.length > limit - size) truncated = true;
      size += Math.min(chunk.length, limit - size);
    });
    return () => Buffer.concat(chunks).toString('utf8');
  };
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  const kill = () => killGroup(child);
  options.signal?.addEventListener('abort', kill, { once: true });
  const timer = options.timeoutMs ? setTimeout(kill, options.timeoutMs) : undefined;
  child.stdin?.on('error', () => undefined); // the command may exit without reading its input
  child.stdin?.end(options.stdin ?? '');
  try {
    const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, sig) => resolve([code, sig]));
      },
    );
    return {
      exitCode,
      signal,
      stdout: stdout(),
      stderr: stderr(),
      truncated,
      durationMs: performance.now() - started,
    };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', kill);
  }
}

/** Opens a terminal running a command inside the sandbox. */
export async function openPtyInSandbox(
  driver: SandboxDriver,
  spec: SandboxSpec,
  options: ExecOptions & { pty: { cols: number; rows: number } },
  /** null: deliver output as Buffers, undecoded (multibyte characters may span chunks). */
  encoding: string | null = 'utf8',
): Promise<pty.IPty> {
  const host = await driver.command(spec, options);
  const { spawn } = await import('node-pty');
  return spawn(host.file, host.args, {
    name: 'xterm-256color',
    cols: options.pty.cols,
    rows: options.pty.rows,
    cwd: host.cwd ?? '/',
    env: host.env,
    encoding,
  });
}

function killGroup(child: SpawnedChild): void {
  if (child.pid === undefined || child.exitCode !== null) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}
