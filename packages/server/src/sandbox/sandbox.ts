import { constants } from 'node:fs';
import { link, lstat, open, readdir, readlink, rename, unlink, type FileHandle } from 'node:fs/promises';
import { isAbsolute, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import type * as pty from 'node-pty';
import {
  SANDBOX_HOME,
  SANDBOX_WORKSPACE,
  type ExecOptions,
  type SandboxCapabilities,
  type SandboxDriver,
  type SandboxSpec,
  type SandboxStatus,
} from './driver.js';
import { openPtyInSandbox, runInSandbox, spawnInSandbox, type RunOptions, type RunResult } from './exec.js';
import type { SpawnedChild } from './spawner.js';

export type { RunOptions, RunResult } from './exec.js';
export type { SpawnedChild } from './spawner.js';

/** One entry of a directory inside the sandbox. */
export interface SandboxEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  size: number;
  mtime: Date;
  /** A link's target, as written (never followed). */
  target?: string;
}

/** Why a file operation through the sandbox was refused (SandboxFileError.kind). */
export type SandboxFileRefusal =
  'not-found' | 'symlink' | 'wrong-type' | 'link-in-path' | 'exists' | 'too-large';

/** A file operation refused for a reason services can answer with a 4xx. */
export class SandboxFileError extends Error {
  constructor(
    readonly kind: SandboxFileRefusal,
    readonly path: string,
    message = `${path}: ${kind.replace(/-/g, ' ')}`,
  ) {
    super(message);
    this.name = 'SandboxFileError';
  }
}

export interface WriteFileOptions {
  /** Create only: refused with `exists` when anything has the name. */
  exclusive?: boolean;
}

/** A command started with pipes: `signal` ends its whole process group. */
export interface SpawnOptions extends Omit<ExecOptions, 'pty'> {
  signal?: AbortSignal;
}

/**
 * One workspace's sandbox, as services see it: made by the lifecycle from the
 * workspace's row and its driver, and the only way a service reaches the
 * workspace. Paths are the sandbox's own (/workspace/..., /home/hangar/...,
 * or relative to /workspace), never the host's. What differs between drivers
 * is in `capabilities`, never in the driver's name.
 */
export interface Sandbox {
  /** The workspace id. */
  readonly id: string;
  readonly capabilities: SandboxCapabilities;
  /** The environment every process inside starts with (before a command's own additions). */
  readonly env: Readonly<Record<string, string>>;
  /**
   * Where /workspace and $HOME are as commands inside see them: those paths
   * in an isolating sandbox, the host's directories in one that is not.
   */
  readonly roots: { readonly workspace: string; readonly home: string };
  /**
   * The host directories of /workspace and $HOME, when the driver has the
   * files on this host (capabilities.filesOnHost): the fast path services may
   * take (an O_NOFOLLOW walk, an inotify watch). Undefined otherwise, and when
   * files are forced through the sandbox; then readFile, writeFile and list are the way.
   */
  readonly hostFiles: { readonly workspace: string; readonly home: string } | undefined;
  /** Whether the sandbox runs now. */
  status(): Promise<SandboxStatus>;
  /** Starts a command inside with its stdio as pipes, in a process group of its own. */
  run(options: SpawnOptions): Promise<SpawnedChild>;
  /** Runs a command inside to completion and collects its output. */
  exec(options: RunOptions): Promise<RunResult>;
  /** Opens a terminal running a command inside; `encoding` null delivers Buffers. */
  terminal(
    options: ExecOptions & { pty: { cols: number; rows: number } },
    encoding?: string | null,
  ): Promise<pty.IPty>;
  /** A regular file's bytes; refuses links and anything not a regular file, and files over `maxBytes`. */
  readFile(path: string, maxBytes?: number): Promise<Buffer>;
  /** Replaces (or creates) a regular file, atomically; its directory must exist. */
  writeFile(path: string, data: Buffer | string, options?: WriteFileOptions): Promise<void>;
  /** The entries of a directory, sorted by name (links are reported, not followed). */
  list(path: string): Promise<SandboxEntry[]>;
}

/** Largest file readFile returns by default. */
export const SANDBOX_READ_LIMIT = 16 * 1024 * 1024;

export interface SandboxOptions {
  /**
   * Reach files through commands in the sandbox even when the driver has them
   * on the host (tests of the path a driver without `filesOnHost` takes).
   */
  filesThroughSandbox?: boolean;
}

/**
 * Test-only: every Sandbox made while `filesThroughSandbox` is set reaches
 * files through commands inside, as with a driver without `filesOnHost`.
 */
export const sandboxTestHooks: SandboxOptions = {};

/** The Sandbox of one spec on its driver. */
export function sandboxOf(driver: SandboxDriver, spec: SandboxSpec, options: SandboxOptions = {}): Sandbox {
  return new DriverSandbox(driver, spec, { ...sandboxTestHooks, ...options });
}

class DriverSandbox implements Sandbox {
  private readonly files: SandboxFiles;
  readonly hostFiles: { workspace: string; home: string } | undefined;

  constructor(
    private readonly driver: SandboxDriver,
    private readonly spec: SandboxSpec,
    options: SandboxOptions,
  ) {
    const onHost = driver.capabilities.filesOnHost && !options.filesThroughSandbox;
    this.hostFiles = onHost ? { workspace: spec.workDir, home: spec.homeDir } : undefined;
    this.files = onHost
      ? new HostFiles(spec, driver.capabilities.perWorkspaceUid && process.getuid?.() === 0)
      : new CommandFiles(this);
  }

  get id(): string {
    return this.spec.id;
  }

  get capabilities(): SandboxCapabilities {
    return this.driver.capabilities;
  }

  get env(): Readonly<Record<string, string>> {
    return this.spec.env;
  }

  get roots(): { workspace: string; home: string } {
    return this.driver.capabilities.isolated
      ? { workspace: SANDBOX_WORKSPACE, home: SANDBOX_HOME }
      : { workspace: this.spec.workDir, home: this.spec.homeDir };
  }

  status(): Promise<SandboxStatus> {
    return this.driver.status(this.spec);
  }

  async run(options: SpawnOptions): Promise<SpawnedChild> {
    const { signal, ...exec } = options;
    signal?.throwIfAborted();
    const child = await spawnInSandbox(this.driver, this.spec, exec);
    if (signal) {
      const kill = () => killGroup(child);
      signal.addEventListener('abort', kill, { once: true });
      child.once('exit', () => signal.removeEventListener('abort', kill));
    }
    return child;
  }

  exec(options: RunOptions): Promise<RunResult> {
    return runInSandbox(this.driver, this.spec, options);
  }

  terminal(
    options: ExecOptions & { pty: { cols: number; rows: number } },
    encoding: string | null = 'utf8',
  ): Promise<pty.IPty> {
    return openPtyInSandbox(this.driver, this.spec, options, encoding);
  }

  async readFile(path: string, maxBytes = SANDBOX_READ_LIMIT): Promise<Buffer> {
    return this.files.readFile(place(path), maxBytes);
  }

  async writeFile(path: string, data: Buffer | string, options: WriteFileOptions = {}): Promise<void> {
    return this.files.writeFile(place(path), typeof data === 'string' ? Buffer.from(data) : data, options);
  }

  async list(path: string): Promise<SandboxEntry[]> {
    return this.files.list(place(path));
  }
}

/** A path inside the sandbox: the volume it lies in (/workspace or $HOME) and its names there. */
interface Place {
  path: string;
  root: typeof SANDBOX_WORKSPACE | typeof SANDBOX_HOME;
  names: string[];
}

function place(input: string): Place {
  if (input.includes('\0')) throw new Error(`${JSON.stringify(input)}: a path may not contain a NUL byte`);
  const path = posix.normalize(isAbsolute(input) ? input : posix.join(SANDBOX_WORKSPACE, input));
  for (const root of [SANDBOX_WORKSPACE, SANDBOX_HOME] as const) {
    if (path === root || path === `${root}/` || path.startsWith(`${root}/`)) {
      return { path, root, names: path.slice(root.length).split('/').filter(Boolean) };
    }
  }
  throw new Error(`${input}: only files under ${SANDBOX_WORKSPACE} and ${SANDBOX_HOME} can be reached`);
}

interface SandboxFiles {
  readFile(place: Place, maxBytes: number): Promise<Buffer>;
  writeFile(place: Place, data: Buffer, options: WriteFileOptions): Promise<void>;
  list(place: Place): Promise<SandboxEntry[]>;
}

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK } = constants;
const DIRECTORY_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW;

/**
 * Files on the host (capabilities.filesOnHost): the spec's workDir and
 * homeDir, walked one name at a time with O_NOFOLLOW through
 * `/proc/self/fd/<fd>/<name>` (Node has no openat), so no link or `..` the
 * sandbox planted leads the server out of the volume.
 */
class HostFiles implements SandboxFiles {
  constructor(
    private readonly spec: SandboxSpec,
    /** Files created belong to the sandbox's uid (a root server, a per-workspace uid). */
    private readonly chownToSandbox: boolean,
  ) {}

  async readFile(place: Place, maxBytes: number): Promise<Buffer> {
    const name = leaf(place);
    const dir = await this.directory(place.root, place.names.slice(0, -1));
    try {
      const handle = await open(at(dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      try {
        const stats = await handle.stat();
        if (!stats.isFile()) throw new Error(`${place.path} is not a regular file`);
        if (stats.size > maxBytes) throw new Error(`${place.path} is larger than ${maxBytes} bytes`);
        return await handle.readFile();
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (code(error) === 'ELOOP') throw new Error(`${place.path} is a symbolic link`, { cause: error });
      throw error;
    } finally {
      await dir.close();
    }
  }

  async writeFile(place: Place, data: Buffer, options: WriteFileOptions): Promise<void> {
    const name = leaf(place);
    const dir = await this.directory(place.root, place.names.slice(0, -1));
    const temporary = `.${name}.hangar-${randomBytes(6).toString('hex')}`;
    try {
      const handle = await open(at(dir, temporary), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644);
      try {
        await handle.writeFile(data);
        if (this.chownToSandbox) await handle.chown(this.spec.uid, this.spec.gid);
      } finally {
        await handle.close();
      }
      if (options.exclusive) {
        // link never replaces: anything that has the name meanwhile makes it fail.
        await link(at(dir, temporary), at(dir, name)).catch((error: unknown) => {
          if (code(error) === 'EEXIST') throw new SandboxFileError('exists', place.path);
          throw error;
        });
        await unlink(at(dir, temporary));
      } else {
        // rename never follows the last name: a link planted there is replaced, not written through.
        await rename(at(dir, temporary), at(dir, name));
      }
    } catch (error) {
      await unlink(at(dir, temporary)).catch(() => undefined);
      throw error;
    } finally {
      await dir.close();
    }
  }

  async list(place: Place): Promise<SandboxEntry[]> {
    const dir = await this.directory(place.root, place.names);
    try {
      const entries = await readdir(at(dir), { withFileTypes: true });
      const out: SandboxEntry[] = [];
      for (const entry of entries) {
        // lstat and readlink do not follow the last name.
        const stats = await lstat(at(dir, entry.name)).catch(() => undefined);
        if (!stats) continue; // gone since
        const type = typeOf(stats);
        const target =
          type === 'symlink' ? await readlink(at(dir, entry.name)).catch(() => undefined) : undefined;
        out.push({
          name: entry.name,
          type,
          size: type === 'file' ? stats.size : 0,
          mtime: stats.mtime,
          ...(target !== undefined && { target }),
        });
      }
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } finally {
      await dir.close();
    }
  }

  /** The directory `names` lead to from the volume's root, opened one name at a time. */
  private async directory(root: Place['root'], names: string[]): Promise<FileHandle> {
    const rootPath = root === SANDBOX_WORKSPACE ? this.spec.workDir : this.spec.homeDir;
    let current = await open(rootPath, DIRECTORY_FLAGS);
    const realRoot = await readlink(`/proc/self/fd/${current.fd}`);
    try {
      for (const name of names) {
        const next = await open(at(current, name), DIRECTORY_FLAGS).catch((error: unknown) => {
          if (code(error) === 'ELOOP' || code(error) === 'ENOTDIR')
            throw new Error(`${posix.join(root, ...names)}: ${name} is not a directory`, { cause: error });
          throw error;
        });
        await current.close();
        current = next;
      }
      const real = await readlink(`/proc/self/fd/${current.fd}`);
      if (real !== realRoot && !real.startsWith(`${realRoot}/`))
        throw new Error(`${posix.join(root, ...names)} lies outside the workspace`);
      return current;
    } catch (error) {
      await current.close();
      throw error;
    }
  }
}

/**
 * Files through commands in the sandbox, for drivers whose volumes are not
 * on this host: a file is streamed out with dd (O_NOFOLLOW) and in through
 * stdin to a temporary file renamed (or, to create only, linked) over the
 * name; a directory is listed with `find`. They run as the sandbox's user, in
 * its own view of its files; and as there, a link planted by the sandbox could
 * still lead to what only the sandbox should see (its processes' environment
 * under /proc), each first enters the parent directory with `cd -P` and
 * checks that it is exactly the path asked, no link on the way, and never
 * follows the last name.
 */
class CommandFiles implements SandboxFiles {
  constructor(private readonly sandbox: Sandbox) {}

  async readFile(place: Place, maxBytes: number): Promise<Buffer> {
    leaf(place);
    const child = await this.sandbox.run({
      command: [
        '/bin/sh',
        '-c',
        `${ENTER_PARENT}
[ -L "$n" ] && exit ${EXIT.symlink}
[ -e "$n" ] || exit ${EXIT['not-found']}
[ -f "$n" ] || exit ${EXIT['wrong-type']}
exec dd if="$n" iflag=nofollow,nonblock,count_bytes count="$2" bs=65536 status=none`,
        'sh',
        relative(place),
        String(maxBytes + 1),
      ],
      cwd: place.root,
    });
    child.stdin?.end();
    const [out, err, exit] = await Promise.all([collect(child.stdout), collect(child.stderr), exitOf(child)]);
    if (exit !== 0) throw refusal(place, exit, err.toString('utf8'));
    if (out.length > maxBytes)
      throw new SandboxFileError('too-large', place.path, `${place.path} is larger than ${maxBytes} bytes`);
    return out;
  }

  async writeFile(place: Place, data: Buffer, options: WriteFileOptions): Promise<void> {
    leaf(place);
    const result = await this.sandbox.exec({
      command: [
        '/bin/sh',
        '-c',
        `${ENTER_PARENT}
# A link there is replaced (mv -T renames over it), never written through.
if [ -e "$n" ] || [ -L "$n" ]; then
  [ "$2" = 1 ] && exit ${EXIT.exists}
  [ -L "$n" ] || [ -f "$n" ] || exit ${EXIT['wrong-type']}
fi
t=".$n.hangar-$$"
(set -C; : > "$t") || exit 1
cat > "$t" || { rm -f -- "$t"; exit 1; }
if [ "$2" = 1 ]; then
  ln -T -- "$t" "$n" 2>/dev/null; r=$?; rm -f -- "$t"; [ $r = 0 ] || exit ${EXIT.exists}
else
  mv -fT -- "$t" "$n" || { rm -f -- "$t"; exit 1; }
fi`,
        'sh',
        relative(place),
        options.exclusive ? '1' : '0',
      ],
      cwd: place.root,
      stdin: data,
    });
    if (result.exitCode !== 0) throw refusal(place, result.exitCode, result.stderr);
  }

  async list(place: Place): Promise<SandboxEntry[]> {
    const result = await this.sandbox.exec({
      command: [
        '/bin/sh',
        '-c',
        `${ENTER_DIRECTORY}
exec find . -mindepth 1 -maxdepth 1 -printf '%y %s %T@\\0%l\\0%f\\0'`,
        'sh',
        relative(place) || '.',
      ],
      cwd: place.root,
      maxOutputBytes: 64 * 1024 * 1024,
    });
    if (result.exitCode !== 0) throw refusal(place, result.exitCode, result.stderr);
    const types: Record<string, SandboxEntry['type']> = { f: 'file', d: 'directory', l: 'symlink' };
    const fields = result.stdout.split('\0');
    const out: SandboxEntry[] = [];
    for (let i = 0; i + 2 < fields.length; i += 3) {
      const [type = '', size = '0', seconds = '0'] = fields[i]!.split(' ');
      const entryType = types[type] ?? 'other';
      out.push({
        name: fields[i + 2]!,
        type: entryType,
        size: entryType === 'file' ? Number(size) : 0,
        mtime: new Date(Number(seconds) * 1000),
        ...(entryType === 'symlink' && { target: fields[i + 1]! }),
      });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

/** Exit codes of the file commands, one per refusal. */
const EXIT: Record<SandboxFileRefusal, number> = {
  'not-found': 62,
  symlink: 63,
  'wrong-type': 64,
  'link-in-path': 65,
  exists: 66,
  'too-large': 67,
};

/**
 * Enters `$1`'s parent (a path relative to the cwd, the volume's root,
 * normalised: no '.', '..' or empty names) and sets n to its last name.
 */
const ENTER_PARENT = `root=$(pwd -P) || exit 1
case "$1" in */*) d=\${1%/*}; n=\${1##*/};; *) d=.; n=$1;; esac
if [ "$d" = . ]; then want=$root; else want=$root/$d; fi
cd -P -- "$d" 2>/dev/null || { [ -e "$d" ] && exit ${EXIT['wrong-type']}; exit ${EXIT['not-found']}; }
[ "$(pwd -P)" = "$want" ] || exit ${EXIT['link-in-path']}`;

/** Enters the directory `$1` itself (or the root, '.'). */
const ENTER_DIRECTORY = `root=$(pwd -P) || exit 1
if [ "$1" = . ]; then want=$root; else want=$root/$1; fi
[ -L "$1" ] && exit ${EXIT.symlink}
cd -P -- "$1" 2>/dev/null || { [ -e "$1" ] && exit ${EXIT['wrong-type']}; exit ${EXIT['not-found']}; }
[ "$(pwd -P)" = "$want" ] || exit ${EXIT['link-in-path']}`;

function refusal(place: Place, exit: number | null, stderr: string): Error {
  const kind = (Object.keys(EXIT) as SandboxFileRefusal[]).find((k) => EXIT[k] === exit);
  if (kind) return new SandboxFileError(kind, place.path);
  return new Error(`${place.path}: ${stderr.trim() || `exit ${exit}`}`);
}

function leaf(place: Place): string {
  const name = place.names.at(-1);
  if (!name) throw new Error(`${place.path} is a directory`);
  return name;
}

/** The path relative to its volume's root ('' for the root), which commands get with the root as cwd. */
function relative(place: Place): string {
  return place.names.join('/');
}

function at(dir: FileHandle, name = '.'): string {
  return `/proc/self/fd/${dir.fd}/${name}`;
}

function typeOf(entry: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }) {
  return entry.isFile()
    ? 'file'
    : entry.isDirectory()
      ? 'directory'
      : entry.isSymbolicLink()
        ? 'symlink'
        : 'other';
}

function code(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function collect(stream: NodeJS.ReadableStream | null | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (!stream) return resolve(Buffer.alloc(0));
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.once('error', reject);
    stream.once('end', () => resolve(Buffer.concat(chunks)));
  });
}

function exitOf(child: SpawnedChild): Promise<number | null> {
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode: number | null) => resolve(exitCode));
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
