import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_HOME, SANDBOX_USER, type SandboxSpec } from '../driver.js';
import { runSandboxContract } from '../../test/sandbox/contract.js';
import { openPtyInSandbox, runInSandbox } from '../exec.js';
import { PodmanCli } from './podman-cli.js';
import { PodmanDriver, type PodmanDriverOptions } from './podman-driver.js';
import { containerName } from './run-args.js';

const run = promisify(execFile);
const ROOTFS = process.env.HANGAR_PODMAN_ROOTFS ?? '/var/cache/hangar/rootfs-bookworm';

async function podmanSkipReason(): Promise<string | undefined> {
  const unavailable = await new PodmanDriver().unavailableReason();
  if (unavailable) return unavailable;
  if (!existsSync(join(ROOTFS, '.hangar-rootfs'))) {
    return `no root file system at ${ROOTFS}: run scripts/provision-podman-rootfs.sh`;
  }
  return undefined;
}

const skipReason = await podmanSkipReason();
if (skipReason && process.env.CI === 'true') throw new Error(`CI requires the podman driver: ${skipReason}`);

/**
 * A driver on private podman storage in a temporary directory (so tests
 * leave no container or image in the system's), and specs of fresh
 * workspaces, each with its own uid (rlimits such as RLIMIT_NPROC count per uid).
 */
async function createPodmanFixture() {
  const root = await mkdtemp(join(tmpdir(), 'hangar-podman-'));
  await mkdir(join(root, 'data'));
  const storage = { root: join(root, 'storage'), runRoot: join(root, 'run'), tmpDir: join(root, 'tmp') };
  const instance = `test-${process.pid}`;
  const driver = new PodmanDriver({ storage, instance });
  const dataDir = join(root, 'data');
  const specs: SandboxSpec[] = [];
  const uidBase = 200_000 + (process.pid % 10_000) * 64;
  const makeSpec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => {
    const n = specs.length;
    const id = `t${process.pid}-${n}`;
    const dir = join(dataDir, 'workspaces', id);
    const spec: SandboxSpec = {
      id,
      workDir: join(dir, 'work'),
      homeDir: join(dir, 'home'),
      stateDir: join(dir, 'state'),
      uid: uidBase + n,
      gid: uidBase + n,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: SANDBOX_HOME, USER: SANDBOX_USER, LANG: 'C.UTF-8' },
      network: 'none',
      hangarSocketDir: join(dir, 'run'),
      hangarPort: 7700,
      limits: {},
      rootfs: ROOTFS,
      ...overrides,
    };
    specs.push(spec);
    return spec;
  };
  const cli = new PodmanCli('podman', storage);
  const cleanup = async () => {
    for (const spec of specs) await driver.destroy(spec);
    const left = await cli.run(['ps', '--all', '--format={{.Names}}']);
    // Whatever a failed test left; podman also unmounts its storage when no container uses it.
    await cli.exec(['rm', '--all', '--force', '--time=0']);
    await cli.exec(['rmi', '--all', '--force']);
    const mounts = (await readFile('/proc/mounts', 'utf8')).split('\n').filter((line) => line.includes(root));
    await rm(root, { recursive: true, force: true });
    expect({ containers: left.trim(), mounts }).toEqual({ containers: '', mounts: [] });
  };
  return { driver, makeSpec, cleanup, cli, storage, instance, dataDir };
}

/** Creates and starts a sandbox, and runs shell commands in it. */
async function startSandbox(fixture: Awaited<ReturnType<typeof createPodmanFixture>>, overrides = {}) {
  const spec = fixture.makeSpec(overrides);
  await fixture.driver.create(spec);
  await fixture.driver.start(spec);
  const sh = (script: string, options: { signal?: AbortSignal; timeoutMs?: number } = {}) =>
    runInSandbox(fixture.driver, spec, { command: ['/bin/sh', '-c', script], ...options });
  return { spec, sh };
}

runSandboxContract({
  name: 'podman',
  capabilities: new PodmanDriver().capabilities,
  ...(skipReason !== undefined && { skipReason }),
  async createDriver() {
    const fixture = await createPodmanFixture();
    return {
      driver: fixture.driver,
      makeSpec: fixture.makeSpec,
      dataDir: fixture.dataDir,
      hostUid: (spec) => spec.uid,
      sandboxPid: async (spec) =>
        Number(
          (await fixture.cli.run(['inspect', '--format={{.State.Pid}}', containerName(spec.id)])).trim(),
        ) || undefined,
      driverModule: {
        path: fileURLToPath(new URL('./podman-driver.ts', import.meta.url)),
        exportName: 'PodmanDriver',
        options: { storage: fixture.storage, instance: fixture.instance } satisfies PodmanDriverOptions,
      },
      cleanup: fixture.cleanup,
    };
  },
});

describe.skipIf(skipReason)(`podman driver${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let fixture: Awaited<ReturnType<typeof createPodmanFixture>>;
  beforeAll(async () => {
    fixture = await createPodmanFixture();
  });
  afterAll(async () => {
    await fixture?.cleanup();
  });

  it('runs commands as user hangar, with only the spec environment', async () => {
    process.env.HANGAR_PODMAN_TEST_SECRET = 'leak';
    const { sh } = await startSandbox(fixture, { env: { PATH: '/usr/bin:/bin', FOO: 'bar' } });
    const result = await sh('whoami; id -u; echo "$HOME"; pwd; env | sort | grep -v "^PWD=\\|^SHLVL=\\|^_="');
    delete process.env.HANGAR_PODMAN_TEST_SECRET;
    const [whoami, , home, cwd, ...env] = result.stdout.trim().split('\n');
    expect(result.exitCode).toBe(0);
    expect([whoami, home, cwd]).toEqual(['hangar', '/home/hangar', '/workspace']);
    // HOSTNAME is podman's own; nothing else beyond the spec's.
    expect(env).toEqual(['FOO=bar', 'HOME=/home/hangar', 'HOSTNAME=hangar', 'PATH=/usr/bin:/bin']);
  });

  it('kills an aborted command inside the container, with everything it started', async () => {
    const { sh } = await startSandbox(fixture);
    const controller = new AbortController();
    const running = sh('sleep 1001 & sleep 1002; echo never', { signal: controller.signal });
    await waitFor(async () => (await sh('ps -eo args')).stdout.includes('sleep 1002'));
    controller.abort();
    const result = await running;
    expect(result.signal).toBe('SIGKILL');
    await waitFor(async () => !/sleep 100[12]/.test((await sh('ps -eo args')).stdout));
  });

  it('hangs up what a finished command left in its session; nohup and setsid escape', async () => {
    const { sh } = await startSandbox(fixture);
    const started = await sh(
      // Wait until nohup and setsid have exec'd their sleeps: only then have they escaped the session.
      'sleep 1003 >/dev/null 2>&1 & nohup sleep 1004 >/dev/null 2>&1 & setsid sleep 1005 >/dev/null 2>&1 & ' +
        'until pgrep -fx "sleep 1004" >/dev/null && pgrep -fx "sleep 1005" >/dev/null; do sleep 0.05; done; echo ok',
    );
    expect(started.stdout).toBe('ok\n');
    await waitFor(async () => !(await sh('ps -eo args')).stdout.includes('sleep 1003'));
    const ps = (await sh('ps -eo args')).stdout;
    expect(ps).toContain('sleep 1004');
    expect(ps).toContain('sleep 1005');
  });

  it('opens a terminal', async () => {
    const { spec } = await startSandbox(fixture);
    const term = await openPtyInSandbox(fixture.driver, spec, {
      command: ['/bin/bash', '-c', 'tty; stty size; whoami'],
      pty: { cols: 91, rows: 27 },
    });
    let output = '';
    term.onData((data) => (output += data));
    const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
    expect(code).toBe(0);
    expect(output).toMatch(/\/dev\/pts\/\d+\r\n27 91\r\nhangar\r\n/);
  });

  it('enforces the memory, process, file size and open file limits', async () => {
    const { sh } = await startSandbox(fixture, {
      limits: {
        memoryBytes: 96 * 1024 ** 2,
        processes: 48,
        fileSizeBytes: 4 * 1024 ** 2,
        openFiles: 256,
        cpus: 0.5,
      },
    });
    const memory = await sh('tail /dev/zero');
    expect(memory.exitCode).toBe(137); // the OOM killer, within the container's cgroup
    const big = await sh('head -c 8M /dev/zero > /workspace/big; echo "head $?"; ls -l /workspace/big');
    expect(big.stdout).toContain('head 153'); // SIGXFSZ
    expect(big.stdout).toContain(` ${4 * 1024 ** 2} `);
    expect((await sh('ulimit -n')).stdout.trim()).toBe('256');
    expect(
      (await sh('cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/cpu/cpu.cfs_period_us')).stdout,
    ).toBe('50000\n100000\n');
    // Last: the sleeps hold the process limit for a second.
    const forks = await sh('i=0; while [ $i -lt 60 ]; do sleep 1 & i=$((i+1)); done 2>&1; echo "started $i"');
    expect(forks.stdout).toMatch(/Cannot fork/);
    expect(forks.stdout).not.toContain('started 60');
  });

  it('with network hangar, reaches the server socket on 127.0.0.1 and nothing else', async () => {
    const spec = fixture.makeSpec({ network: 'hangar' });
    await mkdir(spec.hangarSocketDir!, { recursive: true });
    const server = createServer((_req, res) => res.end('hangar answers'));
    const socket = join(spec.hangarSocketDir!, 'hangar.sock');
    await new Promise<void>((resolve) => server.listen(socket, resolve));
    try {
      await chown(socket, spec.uid, spec.gid);
      await fixture.driver.create(spec);
      await fixture.driver.start(spec);
      const sh = (script: string) =>
        runInSandbox(fixture.driver, spec, { command: ['/bin/sh', '-c', script] });
      expect((await sh('curl -sS -m 5 http://127.0.0.1:7700/')).stdout).toBe('hangar answers');
      expect((await sh('ls /sys/class/net')).stdout).toBe('lo\n');
      expect((await sh('curl -sS -m 2 http://1.1.1.1/')).exitCode).not.toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('with network full, has an interface to the outside but not the host loopback', async () => {
    const { sh } = await startSandbox(fixture, { network: 'full' });
    expect((await sh('ls /sys/class/net')).stdout.split('\n')).toContain('tap0');
    const port = await new Promise<number>((resolve) => {
      const server = createServer((_req, res) => res.end('host'));
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
        setTimeout(() => server.close(), 5000).unref();
      });
    });
    expect((await sh(`curl -sS -m 2 http://127.0.0.1:${port}/`)).exitCode).not.toBe(0);
    expect((await sh(`curl -sS -m 2 http://10.0.2.2:${port}/`)).exitCode).not.toBe(0);
  });

  it('keeps running sandboxes across a server restart, found by listRunning of its instance only', async () => {
    const { spec, sh } = await startSandbox(fixture);
    await sh('echo kept > /workspace/file');
    const restarted = new PodmanDriver({ storage: fixture.storage, instance: fixture.instance });
    expect(await restarted.listRunning()).toContain(spec.id);
    expect(await new PodmanDriver({ storage: fixture.storage, instance: 'another' }).listRunning()).toEqual(
      [],
    );
    const result = await runInSandbox(restarted, spec, { command: ['cat', '/workspace/file'] });
    expect(result.stdout).toBe('kept\n');
    await restarted.stop(spec);
    expect(await restarted.status(spec)).toBe('stopped');
    expect(await restarted.listRunning()).not.toContain(spec.id);
  });

  it('runs from a local image, with a generated passwd', async () => {
    // A tiny image (a shell, sleep, whoami and libc) from the provisioned rootfs; nothing is pulled.
    const files = [
      'bin',
      'lib',
      'lib64',
      'usr/lib64/ld-linux-x86-64.so.2',
      'usr/lib/x86_64-linux-gnu/libc.so.6',
    ]
      .concat(['usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2'])
      .concat(['sh', 'dash', 'sleep', 'cat', 'whoami'].map((b) => `usr/bin/${b}`));
    const podman = [fixture.cli.binary, ...fixture.cli.globalArgs].join(' ');
    await run('/bin/sh', [
      '-c',
      `tar -C "$1" -cf - ${files.join(' ')} | ${podman} import - localhost/hangar-test-tiny`,
      'sh',
      ROOTFS,
    ]);
    const { sh } = await startSandbox(fixture, { rootfs: undefined, image: 'localhost/hangar-test-tiny' });
    const result = await sh('whoami; cat /etc/passwd');
    expect(result.stdout).toMatch(/^hangar\n(.*\n)*hangar:x:\d+:\d+:Hangar:\/home\/hangar:\/bin\/sh\n/);
  });

  it('says what is missing when the root file system or image is not there', async () => {
    const noRootfs = fixture.makeSpec({ rootfs: join(tmpdir(), 'hangar-no-such-rootfs') });
    await expect(fixture.driver.create(noRootfs)).rejects.toThrow(/provision-podman-rootfs/);
    const noImage = fixture.makeSpec({ rootfs: undefined, image: 'localhost/hangar-no-such-image' });
    await expect(fixture.driver.start(noImage)).rejects.toThrow(/nothing is pulled/);
    const neither = fixture.makeSpec({ rootfs: undefined });
    await expect(fixture.driver.start(neither)).rejects.toThrow(/image" or "rootfs"/);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 50));
  }
}
