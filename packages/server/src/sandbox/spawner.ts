import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { PACKAGE_ROOT } from '../package-root.js';

/** What callers use of a started command: a subset of Node's ChildProcess, which also fits it. */
export interface SpawnedChild extends EventEmitter {
  readonly pid?: number | undefined;
  readonly exitCode: number | null;
  readonly signalCode: NodeJS.Signals | null;
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  /** Every descriptor as the server holds it (a stream for a pipe, null otherwise), as ChildProcess.stdio. */
  readonly stdio: readonly unknown[];
  /** The server's event loop no longer waits for it (it may outlive the server, as a sandbox does). */
  unref(): void;
}

/** What one of a command's descriptors is: a socket to the server, nothing, or a file the spawner opens. */
export type StdioEntry = 'pipe' | 'ignore' | { file: string; flags: 'r' | 'a' };

/** Descriptors 0-9 may be described (the socket header names one by a digit). */
const MAX_STDIO = 10;

export interface SpawnRequest {
  file: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Its own process group (so the whole group can be ended). */
  detached?: boolean;
  /** The command's descriptors 0, 1, 2...; default three pipes. */
  stdio?: readonly StdioEntry[];
}

const ZYGOTE = join(PACKAGE_ROOT, 'zygote', 'spawner-zygote.mjs');
const TOKEN_CHARS = 32;
const HEADER_BYTES = TOKEN_CHARS + 1;
/** How long a started command may take to connect its stdio and report its pid. */
const SPAWN_TIMEOUT_MS = 30_000;

type ZygoteMessage =
  | { type: 'spawned'; id: number; pid: number }
  | { type: 'failed'; id: number; code?: string; message: string }
  | { type: 'exit'; id: number; code: number | null; signal: NodeJS.Signals | null };

/** A command started by the zygote; its stdio are sockets the server holds directly. */
class RemoteChild extends EventEmitter implements SpawnedChild {
  pid: number | undefined;
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  exited = false;
  readonly stdin: Writable | null;
  readonly stdout: PassThrough | null;
  readonly stderr: PassThrough | null;
  readonly stdio: readonly unknown[];
  private openOutputs = 0;

  constructor(
    private readonly zygote: Zygote,
    readonly id: number,
    readonly sockets: (Socket | undefined)[],
  ) {
    super();
    this.stdin = sockets[0] ?? null;
    [this.stdout, this.stderr] = [sockets[1], sockets[2]].map((socket) => {
      if (!socket) return null;
      const output = new PassThrough();
      this.openOutputs++;
      output.once('end', () => {
        this.openOutputs--;
        this.maybeClose();
      });
      socket.pipe(output);
      return output;
    }) as [PassThrough | null, PassThrough | null];
    this.stdio = [this.stdin, this.stdout, this.stderr, ...sockets.slice(3).map((socket) => socket ?? null)];
  }

  unref(): void {
    this.zygote.release(this.id);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (this.exited) return false;
    return this.zygote.kill(this.id, signal);
  }

  exit(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.exited) return;
    this.exited = true;
    this.exitCode = code;
    this.signalCode = signal;
    this.stdin?.destroy(); // as Node's ChildProcess does: nothing reads it any more
    this.emit('exit', code, signal);
    this.maybeClose();
  }

  private maybeClose(): void {
    if (this.exited && this.openOutputs === 0) this.emit('close', this.exitCode, this.signalCode);
  }
}

interface Pending {
  token: string;
  /** The descriptors that are pipes, each awaited as a socket. */
  pipes: number[];
  sockets: (Socket | undefined)[];
  /** Set by 'spawned': the command runs, and is handed over once its three sockets are in too. */
  pid?: number;
  /** An exit reported before the hand-over (a command that ends at once). */
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  resolve: (child: RemoteChild) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The server side of the spawner zygote (zygote/spawner-zygote.mjs): a small
 * process that forks commands on the server's behalf, so the server's event
 * loop never waits on fork() copying its page tables. The command's stdio are
 * Unix sockets, accepted here from a socket in a private 0700 directory; each
 * carries a one-time token naming its spawn.
 */
class Zygote {
  private readonly process: ChildProcess;
  private readonly server: Server;
  private readonly directory: string;
  private readonly socketPath: string;
  private readonly pending = new Map<number, Pending>();
  private readonly byToken = new Map<string, number>();
  private readonly running = new Map<number, RemoteChild>();
  /** Running, but unref()'d: their end is reported, but the server does not wait for it. */
  private readonly released = new Map<number, RemoteChild>();
  private nextId = 1;
  private readonly listening: Promise<void>;
  dead = false;

  constructor() {
    this.directory = mkdtempSync(join(tmpdir(), 'hangar-spawner-'));
    this.socketPath = join(this.directory, 'stdio.sock');
    process.once('exit', this.removeDirectory);
    this.server = createServer((socket) => this.accept(socket));
    this.server.unref();
    this.listening = new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
    this.process = spawn(process.execPath, [ZYGOTE, this.directory], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {},
    });
    this.process.on('message', (message: ZygoteMessage) => this.onMessage(message));
    this.process.once('exit', () => this.onDeath());
    this.process.once('error', () => this.onDeath());
    this.process.unref();
    this.process.channel?.unref();
  }

  async spawn(request: SpawnRequest): Promise<RemoteChild> {
    await this.listening;
    if (this.dead) throw new Error('the spawner process is gone');
    const stdio = request.stdio ?? ['pipe', 'pipe', 'pipe'];
    if (stdio.length > MAX_STDIO)
      throw new Error(`at most ${MAX_STDIO} descriptors can be given to a command`);
    const pipes = stdio.flatMap((entry, fd) => (entry === 'pipe' ? [fd] : []));
    const id = this.nextId++;
    const token = randomBytes(TOKEN_CHARS / 2).toString('hex');
    return new Promise<RemoteChild>((resolve, reject) => {
      const timer = setTimeout(
        () => this.fail(id, new Error(`starting ${request.file} took over ${SPAWN_TIMEOUT_MS} ms`)),
        SPAWN_TIMEOUT_MS,
      );
      this.pending.set(id, { token, pipes, sockets: [], resolve, reject, timer });
      this.byToken.set(token, id);
      this.updateRef();
      this.process.send({
        type: 'spawn',
        id,
        token,
        socket: this.socketPath,
        file: request.file,
        args: request.args,
        env: request.env ?? {},
        cwd: request.cwd,
        detached: request.detached ?? false,
        stdio,
      });
    });
  }

  kill(id: number, signal: NodeJS.Signals): boolean {
    if (this.dead || !(this.running.has(id) || this.released.has(id))) return false;
    this.process.send({ type: 'kill', id, signal });
    return true;
  }

  release(id: number): void {
    const child = this.running.get(id);
    if (!child) return;
    this.running.delete(id);
    this.released.set(id, child);
    this.updateRef();
  }

  close(): void {
    this.dead = true;
    this.process.kill();
    this.server.close();
    this.removeDirectory();
  }

  private readonly removeDirectory = () => {
    process.off('exit', this.removeDirectory);
    rmSync(this.directory, { recursive: true, force: true });
  };

  /** Reads a connection's header (token and stdio index), then gives it to its spawn. */
  private accept(socket: Socket): void {
    let header = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      header = Buffer.concat([header, chunk]);
      if (header.length < HEADER_BYTES) return;
      socket.off('data', onData);
      socket.pause();
      const token = header.subarray(0, TOKEN_CHARS).toString('latin1');
      const fd = header[TOKEN_CHARS]! - 0x30;
      const id = this.byToken.get(token);
      const pending = id === undefined ? undefined : this.pending.get(id);
      if (!pending || !pending.pipes.includes(fd) || pending.sockets[fd]) return void socket.destroy();
      const rest = header.subarray(HEADER_BYTES);
      if (rest.length > 0) socket.unshift(rest);
      pending.sockets[fd] = socket;
      this.handOver(id!);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined); // a command gone before its stdio were taken
  }

  private onMessage(message: ZygoteMessage): void {
    if (message.type === 'exit') {
      const child = this.running.get(message.id) ?? this.released.get(message.id);
      if (child) {
        this.running.delete(message.id);
        this.released.delete(message.id);
        this.updateRef();
        child.exit(message.code, message.signal);
      } else {
        const pending = this.pending.get(message.id);
        if (pending) pending.exit = { code: message.code, signal: message.signal };
      }
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    if (message.type === 'failed') {
      const error = Object.assign(new Error(message.message), { code: message.code });
      return this.fail(message.id, error);
    }
    pending.pid = message.pid;
    this.handOver(message.id);
  }

  /**
   * Gives the caller its command once the zygote said it runs and all three of
   * its sockets were accepted (the two arrive in either order).
   */
  private handOver(id: number): void {
    const pending = this.pending.get(id);
    if (!pending || pending.pid === undefined) return;
    if (!pending.pipes.every((fd) => pending.sockets[fd])) return;
    this.settle(id);
    const child = new RemoteChild(this, id, pending.sockets);
    child.pid = pending.pid;
    // stdout and stderr flow into the child's streams; the others are the caller's to read.
    for (const socket of pending.sockets.slice(1, 3)) socket?.resume();
    const exit = pending.exit;
    if (exit) {
      // After the caller, awaiting this spawn, has added its listeners (as Node never emits 'exit' at once).
      setImmediate(() => child.exit(exit.code, exit.signal));
    } else {
      this.running.set(id, child);
      this.updateRef();
    }
    pending.resolve(child);
  }

  /** Keeps the server's event loop waiting for the zygote only while commands run. */
  private updateRef(): void {
    if (this.pending.size + this.running.size > 0) this.process.channel?.ref();
    else this.process.channel?.unref();
  }

  private settle(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.pending.delete(id);
    this.byToken.delete(pending.token);
    this.updateRef();
    return pending;
  }

  private fail(id: number, error: Error): void {
    const pending = this.settle(id);
    if (!pending) return;
    for (const socket of pending.sockets) socket?.destroy();
    pending.reject(error);
  }

  /** The zygote died: commands it started keep running, but their exit status is lost. */
  private onDeath(): void {
    if (this.dead) return;
    this.dead = true;
    this.server.close();
    this.removeDirectory();
    for (const id of [...this.pending.keys()]) this.fail(id, new Error('the spawner process exited'));
    for (const child of this.running.values()) {
      // Without the zygote nobody can report its end: end it, so nothing runs unseen.
      if (child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.exit(null, 'SIGKILL');
    }
    this.running.clear();
    // Unref'd commands (sandboxes) are no longer the server's to end; their end goes unreported.
    this.released.clear();
  }
}

let zygote: Zygote | undefined;

/**
 * Starts a command through the spawner zygote, so the server never forks.
 * Resolves once the command runs (its pid known), rejects if it cannot start.
 * A zygote that died is replaced on the next call.
 */
export async function spawnCommand(request: SpawnRequest): Promise<SpawnedChild> {
  if (!zygote || zygote.dead) zygote = new Zygote();
  return zygote.spawn(request);
}

/** Starts the zygote now, while the server is small (its own start forks the server once). */
export function startSpawner(): void {
  if (!zygote || zygote.dead) zygote = new Zygote();
}

/** Ends the zygote (tests); commands it started keep running. */
export function stopSpawner(): void {
  zygote?.close();
  zygote = undefined;
}
