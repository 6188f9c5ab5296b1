import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSandboxContract, type SandboxContractHarness } from '../../test/sandbox/contract.js';
import type { SandboxSpec } from '../driver.js';
import { runInSandbox } from '../exec.js';
import { BubblewrapDriver } from './bubblewrap-driver.js';
import { isAlive, processRef } from './proc.js';
import { readRecord, writeLaunch } from './state.js';
import { installHint } from './tools.js';

const probe = new BubblewrapDriver({ stateRoot: tmpdir() });
const skipReason = await probe.unavailableReason();
if (skipReason && process.env.CI === 'true')
  throw new Error(`CI requires the bubblewrap driver: ${skipReason}`);

/**
 * A driver whose data dir and state root are a fresh temporary directory,
 * and specs of new workspaces, each with its own uid from a test range
 * (rlimits such as RLIMIT_NPROC count per uid).
 */
async function createHarness(): Promise<
  SandboxContractHarness & { driver: BubblewrapDriver; stateRoot: string }
> {
  const dataDir = await mkdtemp(join(tmpdir(), 'hangar-bwrap-'));
  const stateRoot = join(dataDir, 'sandbox-state', 'bubblewrap');
  const driver = new BubblewrapDriver({ stateRoot });
  const uidBase = 61_000 + (process.pid % 200) * 16;
  const tag = Math.random().toString(36).slice(2, 8);
  let count = 0;
  return {
    driver,
    dataDir,
    stateRoot,
    makeSpec: (overrides = {}) => {
      const n = count++;
      const id = `bw${n}-${tag}`;
      const spec: SandboxSpec = {
        id,
        workDir: join(dataDir, 'workspaces', id, 'work'),
        homeDir: join(dataDir, 'workspaces', id, 'home'),
        stateDir: join(stateRoot, id),
        uid: uidBase + n,
        gid: uidBase + n,
        env: { LANG: 'C.UTF-8' },
        network: 'none',
        limits: {},
        ...overrides,
      };
      return spec;
    },
    hostUid: (spec) => (process.getuid?.() === 0 ? spec.uid : undefined),
    sandboxPid: async (spec) => (await readRecord(spec.stateDir))?.init.pid,
    driverModule: {
      path: fileURLToPath(new URL('./bubblewrap-driver.ts', import.meta.url)),
      exportName: 'BubblewrapDriver',
      options: { stateRoot },
    },
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
}

runSandboxContract({
  name: 'bubblewrap',
  capabilities: probe.capabilities,
  ...(skipReason && { skipReason }),
  createDriver: createHarness,
});

describe.skipIf(skipReason)(`bubblewrap driver${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let harness: Awaited<ReturnType<typeof createHarness>>;
  let spec: SandboxSpec;
  beforeAll(async () => {
    harness = await createHarness();
    spec = await harness.makeSpec({ limits: { memoryBytes: 256 * 1024 ** 2, cpus: 1, processes: 128 } });
    await harness.driver.create(spec);
    await harness.driver.start(spec);
  });
  afterAll(async () => {
    if (spec) await harness.driver.destroy(spec);
    await harness?.cleanup();
  });

  it('gives an offline sandbox a resolv.conf that fails fast', async () => {
    const result = await runInSandbox(harness.driver, spec, {
      command: ['/bin/sh', '-c', 'cat /etc/resolv.conf; getent hosts example.com; echo "exit $?"'],
    });
    // Fast is the resolver's own setting (one try, one second), not a time measured here.
    expect(result.stdout).toContain('options timeout:1 attempts:1');
    expect(result.stdout).toContain('exit 2');
  });

  // As root, bwrap forbids them (idmap.ts); the contract's escape attempts cannot show it, as commands
  // joined through the driver also carry a seccomp filter that refuses new user namespaces.
  if (process.getuid?.() === 0) {
    it('forbids user namespaces inside the sandbox’s own, to a process without the seccomp filter too', async () => {
      const record = await readRecord(spec.stateDir);
      if (!record) throw new Error('no record of the running sandbox');
      // The sandbox user, as the sandbox's processes are: may create user namespaces where nothing forbids it.
      const script = 'id -u; unshare --user true && echo NESTED';
      const child = spawn('setpriv', [
        ...['--reuid', String(spec.uid), '--regid', String(spec.gid), '--clear-groups'],
        ...['nsenter', '--target', String(record.init.pid), '--user', '--preserve-credentials'],
        ...['--', 'sh', '-c', script],
      ]);
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise((resolve) => child.once('close', resolve));
      expect(output).toContain(`${spec.uid}\n`);
      expect(output).toContain('No space left on device');
      expect(output).not.toContain('NESTED');
    });
  }

  it('names the sandbox user hangar, with the spec ids, for whoami and git', async () => {
    const result = await runInSandbox(harness.driver, spec, {
      command: ['/bin/sh', '-c', 'whoami; id -u; id -g; echo ~'],
    });
    expect(result.stdout).toBe(`hangar\n${spec.uid}\n${spec.gid}\n/home/hangar\n`);
  });

  it('runs a command in its directory with exactly its environment, as a shell would', async () => {
    const value = `it's "quoted"\nover $two lines \\`;
    const result = await runInSandbox(harness.driver, spec, {
      command: ['/usr/bin/env'],
      cwd: '/tmp',
      env: { ODD: value },
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`\nODD=${value}\n`);
    expect(result.stdout).toMatch(/^PWD=\/tmp$/m);
    expect(result.stdout).not.toContain('HANGAR_SANDBOX_ENV');
    const missing = await runInSandbox(harness.driver, spec, { command: ['no-such-command'] });
    expect(missing.exitCode).toBe(127);
    expect(missing.stderr).toContain('no-such-command');
    const nowhere = await runInSandbox(harness.driver, spec, { command: ['true'], cwd: '/nowhere' });
    expect(nowhere.exitCode).toBe(126);
  });

  it('keeps the environment out of host command lines', async () => {
    const command = await harness.driver.command(spec, {
      command: ['true'],
      env: { TOKEN: 'secret-token' },
    });
    expect(command.args.join(' ')).not.toContain('secret-token');
    expect(Object.keys(command.env)).toEqual(['HANGAR_SANDBOX_ENV']);
    await expect(harness.driver.command(spec, { command: ['true'], env: { 'A-B': 'x' } })).rejects.toThrow(
      /A-B/,
    );
  });

  it('refuses privileged ids and a state dir outside its root', async () => {
    await expect(harness.driver.create({ ...spec, uid: 0 })).rejects.toThrow(/unprivileged/);
    await expect(harness.driver.create({ ...spec, gid: 65534 })).rejects.toThrow(/unprivileged/);
    await expect(
      harness.driver.start({ ...spec, stateDir: join(harness.dataDir, 'elsewhere') }),
    ).rejects.toThrow(/state root/);
  });

  it('refuses binds that would shadow the system or the sandbox’s own mounts', async () => {
    const hostPath = harness.dataDir;
    for (const sandboxPath of [
      '/',
      '/usr',
      '/usr/local/bin',
      '/etc',
      '/etc/passwd',
      '/proc',
      '/dev',
      '/dev/shm',
      '/sys',
      '/workspace',
      '/workspace/sub',
      '/home',
      '/home/hangar',
      '/run',
      '/run/hangar',
      '/tmp',
      '/var',
    ]) {
      const bound = { ...spec, binds: [{ hostPath, sandboxPath, readOnly: true }] };
      await expect(harness.driver.create(bound), sandboxPath).rejects.toThrow(
        `sandbox bind at ${sandboxPath} is refused: it would shadow`,
      );
    }
    for (const path of ['relative/path', '/srv/../usr', '/srv/']) {
      await expect(
        harness.driver.create({ ...spec, binds: [{ hostPath, sandboxPath: path, readOnly: true }] }),
      ).rejects.toThrow(/not an absolute, normalised path/);
    }
    const missing = join(harness.dataDir, 'missing');
    const unbound = await harness.makeSpec({
      binds: [{ hostPath: missing, sandboxPath: '/srv/missing', readOnly: false }],
    });
    await harness.driver.create(unbound);
    try {
      await expect(harness.driver.start(unbound)).rejects.toThrow(`${missing} is not a directory`);
    } finally {
      await harness.driver.destroy(unbound);
    }
  });

  it('binds a directory whose parents the sandbox user cannot traverse, below /tmp too', async () => {
    // Like a repository's .git in a home directory closed to others: mode 0700, owned by the server's user.
    const closed = await mkdtemp(join(harness.dataDir, 'closed-'));
    const gitDir = join(closed, 'repo', '.git');
    await mkdir(gitDir, { recursive: true });
    await writeFile(join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
    const bound = await harness.makeSpec({
      binds: [{ hostPath: gitDir, sandboxPath: gitDir, readOnly: false }],
    });
    if (process.getuid?.() === 0) await chown(gitDir, bound.uid, bound.gid);
    await harness.driver.create(bound);
    await harness.driver.start(bound);
    try {
      const result = await runInSandbox(harness.driver, bound, {
        command: [
          '/bin/sh',
          '-c',
          `cat '${gitDir}/HEAD' && echo x >'${gitDir}/written' && ls -A '${closed}'`,
        ],
      });
      expect(result.stdout).toBe('ref: refs/heads/main\nrepo\n');
      expect(await readFile(join(gitDir, 'written'), 'utf8')).toBe('x\n');
    } finally {
      await harness.driver.destroy(bound);
    }
  });

  it('is found by a new driver on the same state root, as after a server restart', async () => {
    const restarted = new BubblewrapDriver({ stateRoot: harness.stateRoot });
    expect(await restarted.listRunning()).toContain(spec.id);
    expect(
      await new BubblewrapDriver({ stateRoot: join(harness.dataDir, 'other-root') }).listRunning(),
    ).toEqual([]);
    expect((await runInSandbox(restarted, spec, { command: ['echo', 'found'] })).stdout).toBe('found\n');
  });

  it('keeps a tmux session running after the command that started it, for a new driver too', async (ctx) => {
    if (harness.driver.idMode === 'single-id') {
      ctx.skip('a non-root server without subordinate ids (/etc/subuid) gives sandboxes no terminals');
    }
    const started = await runInSandbox(harness.driver, spec, {
      command: ['tmux', 'new-session', '-d', '-s', 'kept', 'sleep 300'],
    });
    expect(started.exitCode).toBe(0);
    const restarted = new BubblewrapDriver({ stateRoot: harness.stateRoot });
    const listed = await runInSandbox(restarted, spec, { command: ['tmux', 'list-sessions', '-F', '#S'] });
    expect(listed.stdout).toBe('kept\n');
  });

  it('gives network full a slirp4netns, renews it on start, and ends it with the sandbox, also from a new driver', async () => {
    const socketDir = await mkdtemp(join(harness.dataDir, 'run-'));
    const full = await harness.makeSpec({ network: 'full', hangarSocketDir: socketDir, hangarPort: 7788 });
    await harness.driver.create(full);
    try {
      await harness.driver.start(full);
      const network = (await readRecord(full.stateDir))?.network;
      expect(network, 'the record names the slirp4netns process').toBeDefined();
      expect(await isAlive(network!)).toBe(true);
      expect(await readFile(`/proc/${network!.pid}/comm`, 'utf8')).toBe('slirp4netns\n');
      const resolv = await runInSandbox(harness.driver, full, { command: ['cat', '/etc/resolv.conf'] });
      expect(resolv.stdout).toContain('nameserver 10.0.2.3');
      // slirp4netns killed: starting the running sandbox again gives it a new one, routes and all.
      process.kill(network!.pid, 'SIGKILL');
      while (await isAlive(network!)) await new Promise((resolve) => setTimeout(resolve, 10));
      await harness.driver.start(full);
      const renewed = (await readRecord(full.stateDir))?.network;
      expect(renewed?.pid).not.toBe(network!.pid);
      expect(await isAlive(renewed!)).toBe(true);
      const routes = await runInSandbox(harness.driver, full, { command: ['ip', 'route'] });
      expect(routes.stdout).toContain('blackhole 169.254.0.0/16');
      expect(routes.stdout).toContain('default via 10.0.2.2');
      // As after a server restart: a new driver finds the record and ends it all.
      await new BubblewrapDriver({ stateRoot: harness.stateRoot }).stop(full);
      expect(await isAlive(renewed!)).toBe(false);
    } finally {
      await harness.driver.destroy(full);
    }
  });

  it('kills what a start the server did not finish left running', async () => {
    const unfinished = await harness.makeSpec();
    await harness.driver.create(unfinished);
    const orphan = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const ref = await processRef(orphan.pid!);
    await writeLaunch(unfinished.stateDir, ref!);
    try {
      await harness.driver.start(unfinished);
      expect(await isAlive(ref!)).toBe(false);
      expect(await harness.driver.status(unfinished)).toBe('running');
    } finally {
      orphan.kill('SIGKILL');
      await harness.driver.destroy(unfinished);
    }
  });

  it('puts the sandbox and every joining command in its cgroups, which stop removes', async (ctx) => {
    if (process.getuid?.() !== 0) ctx.skip('cgroups are used only when the server runs as root');
    if (!harness.driver.capabilities.enforcedLimits.includes('memoryBytes')) {
      ctx.skip('no cgroup v1 memory controller is mounted here');
    }
    const record = await readRecord(spec.stateDir);
    const memory = record!.cgroups.find((dir) => existsSync(join(dir, 'memory.limit_in_bytes')))!;
    expect(await readFile(join(memory, 'memory.limit_in_bytes'), 'utf8')).toBe(`${256 * 1024 ** 2}\n`);
    // In the sandbox's cgroup namespace, whose root is the sandbox's cgroup: "/" means inside it.
    const inside = await runInSandbox(harness.driver, spec, {
      command: ['grep', ':memory:', '/proc/self/cgroup'],
    });
    expect(inside.stdout).toMatch(/:memory:\/$/m);
    await harness.driver.stop(spec);
    for (const dir of record!.cgroups) expect(existsSync(dir), dir).toBe(false);
    await harness.driver.start(spec);
  });

  it('says what to install when a program is missing', () => {
    expect(installHint(['bwrap'])).toBe('install bubblewrap (apt-get install bubblewrap)');
    expect(installHint(['nsenter', 'setpriv'])).toBe('install util-linux (apt-get install util-linux)');
  });
});
