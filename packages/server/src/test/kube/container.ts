import { EventEmitter } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import { constants } from 'node:os';
import type { SandboxDriver, SandboxSpec } from '../../sandbox/driver.js';
import { openPtyInSandbox, spawnInSandbox } from '../../sandbox/exec.js';

/** Bytes of a container's output kept for pods/log. */
const LOG_LIMIT = 1024 * 1024;

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  stdin?: boolean;
  tty?: boolean;
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  resources?: { limits?: Record<string, string> };
}

/**
 * A container's main process, running inside the pod's sandbox: with pipes, or in a terminal
 * when the container asks for `tty`. What pods/attach and pods/log see of it: its output
 * (`data` events: stream 1 or 2 and the bytes), its input (only if the container has `stdin`),
 * the terminal size, and its exit code (128 + signal when killed, as the kubelet reports it).
 */
export class ContainerProcess extends EventEmitter {
  readonly exited: Promise<number>;
  readonly startedAt = new Date();
  private log: Buffer[] = [];
  private logSize = 0;
  private writeInput: (data: Buffer) => void = () => undefined;
  private endInput: () => void = () => undefined;
  private resizeTerminal: (cols: number, rows: number) => void = () => undefined;
  private kill: () => void = () => undefined;
  private pid: number | undefined;
  private resolveExit!: (code: number) => void;

  private constructor(readonly container: ContainerSpec) {
    super();
    this.exited = new Promise((resolve) => (this.resolveExit = resolve));
  }

  static async start(
    driver: SandboxDriver,
    spec: SandboxSpec,
    container: ContainerSpec,
    env: Record<string, string>,
  ): Promise<ContainerProcess> {
    const self = new ContainerProcess(container);
    const command = [...(container.command ?? []), ...(container.args ?? [])];
    const options = {
      command: command.length ? command : ['sleep', 'infinity'],
      env,
      cwd: container.workingDir ?? '/',
    };
    if (container.tty) {
      const terminal = await openPtyInSandbox(
        driver,
        spec,
        { ...options, pty: { cols: 80, rows: 24 } },
        null,
      );
      terminal.onData((data) => self.output(1, Buffer.from(data as unknown as Buffer)));
      terminal.onExit(({ exitCode, signal }) => self.resolveExit(signal ? 128 + signal : exitCode));
      self.writeInput = (data) => container.stdin && terminal.write(data.toString('utf8'));
      self.resizeTerminal = (cols, rows) => terminal.resize(cols, rows);
      self.kill = () => terminal.kill('SIGKILL');
      self.pid = terminal.pid;
    } else {
      const child = await spawnInSandbox(driver, spec, options);
      child.stdout?.on('data', (data: Buffer) => self.output(1, data));
      child.stderr?.on('data', (data: Buffer) => self.output(2, data));
      child.stdin?.on('error', () => undefined);
      if (!container.stdin) child.stdin?.end();
      self.pid = child.pid;
      self.writeInput = (data) => container.stdin && child.stdin?.write(data);
      self.endInput = () => child.stdin?.end();
      child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
        self.resolveExit(code ?? 128 + (signal ? signalNumber(signal) : 9)),
      );
      self.kill = () => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }
      };
    }
    return self;
  }

  write(data: Buffer): void {
    this.writeInput(data);
  }

  closeInput(): void {
    this.endInput();
  }

  resize(cols: number, rows: number): void {
    this.resizeTerminal(cols, rows);
  }

  /**
   * SIGTERM to the container's command and every process under it, as a runtime's stop
   * sends it to the container. (The command runs in a session of its own inside the
   * sandbox, so its host-side process tree is walked rather than a process group signalled.)
   */
  async terminate(): Promise<void> {
    if (this.pid === undefined) return;
    for (const pid of await descendants(this.pid)) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
    }
  }

  /** Ends the host side of the process (the sandbox's own stop ends what runs inside). */
  forceKill(): void {
    this.kill();
  }

  logs(): Buffer {
    return Buffer.concat(this.log);
  }

  private output(stream: 1 | 2, data: Buffer): void {
    if (this.logSize < LOG_LIMIT) {
      this.log.push(data);
      this.logSize += data.length;
    }
    this.emit('data', stream, data);
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 9;
}

/** `root` and every process under it, from /proc (host pids). */
async function descendants(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found = [root];
  for (let i = 0; i < found.length; i++) found.push(...(children.get(found[i]!) ?? []));
  return found;
}
