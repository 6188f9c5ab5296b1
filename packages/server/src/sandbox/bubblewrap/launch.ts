import { spawn } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { z } from 'zod';
import type { SandboxSpec } from '../driver.js';
import type { IdMapper } from './idmap.js';
import { closingDescriptors } from '../descriptors.js';
import { bwrapArgs, FD, identityFiles, OFFLINE_RESOLV_CONF } from './layout.js';
import { FULL_NETWORK_RESOLV_CONF, startFullNetwork, type NetworkTools } from '../full-network.js';
import { processRef, signal, type ProcessRef } from './proc.js';
import { STAGE_DIR, stagedCommand } from './stage.js';
import { HOST_PATH, type Tools } from './tools.js';
import { spawnCommand, type SpawnedChild } from '../spawner.js';

export interface LaunchOptions {
  tools: Tools;
  spec: SandboxSpec;
  /** How the user namespace gets its id maps; in mode `root`, bwrap also runs as the spec's uid, on staged directories. */
  ids: IdMapper;
  systemDirs: readonly string[];
  /** `cgroup.procs` files the sandbox's first process enters before bwrap runs. */
  cgroupProcs: readonly string[];
  /** The kernel's overflow uid and gid (nobody). */
  overflowId: number;
  timeoutMs: number;
  /** Called as soon as the host bwrap runs, before the sandbox is ready. */
  onSpawn(monitor: ProcessRef): Promise<void>;
  /** For network `full` (see network.ts); the driver refuses it when these are missing. */
  networkTools?: NetworkTools;
}

export interface Launched {
  /** bwrap's pid 1 of the sandbox: its namespaces are the sandbox's; killing it ends every process inside. */
  init: ProcessRef;
  /** The outer bwrap process on the host that waits for it. */
  monitor: ProcessRef;
  /** With network `full`: slirp4netns, which carries the sandbox's traffic (see network.ts). */
  network?: ProcessRef;
  /** With network `full`: slirp4netns of the egress namespace the other runs in. */
  egress?: ProcessRef;
}

const infoSchema = z.object({ 'child-pid': z.number().int().positive() });

/**
 * Starts the sandbox's processes, detached from the server (own session, no
 * pipe the sandbox needs, output to a log file in the state dir) so they
 * outlive it, and resolves once the init script reports it is ready.
 */
export async function launchSandbox(options: LaunchOptions): Promise<Launched> {
  const { spec, tools, ids } = options;
  const staged = ids.mode === 'root';
  const files = identityFiles(spec, options.overflowId);
  const resolv = spec.network === 'full' ? FULL_NETWORK_RESOLV_CONF : OFFLINE_RESOLV_CONF;
  await writeFile(join(spec.stateDir, 'passwd'), files.passwd);
  await writeFile(join(spec.stateDir, 'group'), files.group);
  await writeFile(join(spec.stateDir, 'resolv.conf'), resolv);
  const logFile = join(spec.stateDir, 'bwrap.log');
  const stageDir = join(spec.stateDir, 'stage');
  if (staged) await mkdir(stageDir, { recursive: true, mode: 0o700 });

  // Both `hangar` and `full` reach Hangar at 127.0.0.1:hangarPort inside.
  const bridged = spec.network !== 'none';
  const hangarSocketDir = bridged ? spec.hangarSocketDir : undefined;
  const port = bridged ? spec.hangarPort : undefined;
  if (bridged && (!hangarSocketDir || port === undefined)) {
    throw new Error(`network "${spec.network}" needs hangarSocketDir and hangarPort in the sandbox spec`);
  }
  if (spec.network === 'full' && !options.networkTools) {
    throw new Error('network "full" needs slirp4netns and ip on the host');
  }
  const binds = spec.binds ?? [];
  const bindSources = binds.map((bind) => bind.hostPath);
  for (const dir of [
    spec.workDir,
    spec.homeDir,
    ...(hangarSocketDir ? [hangarSocketDir] : []),
    ...bindSources,
  ]) {
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new Error(`bubblewrap sandbox ${spec.id}: ${dir} is not a directory`);
  }
  const bwrap = [
    tools.bwrap,
    ...bwrapArgs({
      spec,
      idMode: ids.mode,
      systemDirs: options.systemDirs,
      sources: staged
        ? {
            work: `${STAGE_DIR}/work`,
            home: `${STAGE_DIR}/home`,
            ...(hangarSocketDir && { hangarSocketDir: `${STAGE_DIR}/hangar` }),
            binds: binds.map((_bind, i) => `${STAGE_DIR}/bind${i}`),
          }
        : {
            work: spec.workDir,
            home: spec.homeDir,
            ...(hangarSocketDir && { hangarSocketDir }),
            binds: bindSources,
          },
      initArgs:
        port === undefined ? ['', ''] : [String(port), port.toString(16).toUpperCase().padStart(4, '0')],
    }),
  ];
  // As root, staged (see stage.ts); else only the descriptors closed.
  const [file, ...args] = staged
    ? stagedCommand(
        tools.perl,
        {
          keep: Object.values(FD),
          stageDir,
          work: spec.workDir,
          home: spec.homeDir,
          ...(hangarSocketDir && { hangarSocketDir }),
          binds: bindSources,
          cgroupProcs: options.cgroupProcs,
          uid: spec.uid,
          gid: spec.gid,
        },
        bwrap,
      )
    : closingDescriptors(tools.perl, Object.values(FD), bwrap);

  // Started by the spawner (spawner.ts), so the server itself does not fork; it opens the files.
  await writeFile(logFile, '', { mode: 0o600 });
  const log = { file: logFile, flags: 'a' } as const;
  const readOnly = (name: string) => ({ file: join(spec.stateDir, name), flags: 'r' }) as const;
  const child = await spawnCommand({
    file: file!,
    args,
    cwd: '/',
    env: { PATH: HOST_PATH },
    detached: true,
    stdio: [
      'ignore',
      log,
      log,
      'pipe', // FD.info
      'pipe', // FD.ready
      ids.write ? 'pipe' : 'ignore', // FD.usernsBlock
      readOnly('passwd'), // FD.passwd
      readOnly('group'), // FD.group
      readOnly('resolv.conf'), // FD.resolv
    ],
  });
  const pipes = [FD.info, FD.ready, FD.usernsBlock].map((fd) => stdioAt(child, fd)).filter(isDuplex);
  for (const pipe of pipes) pipe.on('error', () => undefined); // bwrap may exit early; its exit says why
  try {
    const initPid = await withTimeout(
      handshake(child, options),
      options.timeoutMs,
      'the sandbox did not start',
    );
    const init = await processRef(initPid);
    const monitor = child.pid === undefined ? undefined : await processRef(child.pid);
    if (!init || !monitor) throw new Error('the sandbox ended right after it started');
    if (spec.network !== 'full' || !options.networkTools) return { init, monitor };
    return { init, monitor, ...(await startFullNetwork(options.networkTools, initPid, spec)) };
  } catch (error) {
    if (child.pid !== undefined) signal(-child.pid, 'SIGKILL');
    await whenExited(child);
    const log = (await readFile(logFile, 'utf8').catch(() => '')).trim().slice(-2000);
    throw new Error(
      `bubblewrap sandbox ${spec.id} failed to start: ${(error as Error).message}${log ? `\n${log}` : ''}`,
      { cause: error },
    );
  } finally {
    for (const pipe of pipes) pipe.destroy();
    child.unref();
  }
}

/** Reads bwrap's child pid, writes the id maps (subordinate-ids), lets bwrap go on, and waits for the init's byte. */
async function handshake(child: SpawnedChild, options: LaunchOptions): Promise<number> {
  const info = stdioAt(child, FD.info);
  const ready = stdioAt(child, FD.ready);
  if (!isDuplex(info) || !isDuplex(ready)) throw new Error('bwrap pipes missing');
  const exited = new Promise<never>((_resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, sig) => reject(new Error(`bwrap exited (${sig ?? code})`)));
  });
  exited.catch(() => undefined); // also rejects when the sandbox ends, long after a successful start
  const readyByte = new Promise<void>((resolve, reject) => {
    ready.once('data', () => resolve());
    ready.once('end', () => reject(new Error('the sandbox ended before it was ready')));
  });
  ready.resume(); // the spawner's sockets come paused
  readyByte.catch(() => undefined); // awaited below, unless the handshake fails before
  const text = await Promise.race([readAll(info), exited]);
  if (!text) throw new Error('bwrap ended before it created the sandbox');
  const pid = infoSchema.parse(JSON.parse(text))['child-pid'];
  if (options.ids.write) {
    await options.ids.write(pid, options.spec);
    await forbidNestedUserNamespaces(options.tools, pid);
    const block = stdioAt(child, FD.usernsBlock);
    if (!isDuplex(block)) throw new Error('bwrap pipes missing');
    block.end('x');
  }
  await Promise.race([readyByte, exited]);
  return pid;
}

/**
 * Sets user.max_user_namespaces to 0 in the sandbox's user namespace, before
 * anything runs inside: a process there cannot create a user namespace of
 * its own, in which it would hold every capability (mount, and the kernel's
 * namespaced code as attack surface). Only a process with CAP_SYS_RESOURCE in
 * that namespace may raise it again: none inside has it. Written from a
 * process that joins only the user namespace (uid 0 there), as the value is
 * per user namespace.
 */
async function forbidNestedUserNamespaces(tools: Tools, pid: number): Promise<void> {
  const script = 'echo 0 >/proc/sys/user/max_user_namespaces';
  await new Promise<void>((resolve, reject) => {
    const child = spawn(tools.nsenter, ['--target', String(pid), '--user', '--', tools.sh, '-c', script], {
      env: { PATH: HOST_PATH },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`cannot forbid nested user namespaces (${code}): ${stderr.trim()}`)),
    );
  });
}

function whenExited(child: SpawnedChild): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function readAll(stream: Duplex): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (text += chunk));
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
    stream.resume(); // the spawner's sockets come paused
  });
}

/** The parent's end of the child's fd (node types only the first five). */
function stdioAt(child: SpawnedChild, fd: number): unknown {
  const stdio: readonly unknown[] = child.stdio;
  return stdio[fd];
}

function isDuplex(stream: unknown): stream is Duplex {
  return stream instanceof Duplex;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
