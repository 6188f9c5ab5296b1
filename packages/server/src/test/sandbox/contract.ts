import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  SANDBOX_HOME,
  SANDBOX_WORKSPACE,
  claims,
  unclaimedCapabilities,
  type CapabilityName,
  type SandboxCapabilities,
  type SandboxDriver,
  type SandboxLimits,
  type SandboxSpec,
} from '../../sandbox/driver.js';
import { spawnDriverChild, type DriverModule } from '../../sandbox/child-driver.js';
import { runEscapeAttempts } from './escape.js';
import { detachedCommand } from './escape-support.js';
import { openPtyInSandbox, runInSandbox, type RunOptions } from '../../sandbox/exec.js';

/** What a driver's test file gives the shared suite. */
export interface SandboxContractHarness {
  driver: SandboxDriver;
  /** A spec for a new workspace with its own uid, directories under `dataDir`, network `none`; overrides win. */
  makeSpec(overrides?: Partial<SandboxSpec>): SandboxSpec | Promise<SandboxSpec>;
  /** Plays the server's data dir (the suite puts a secret file and a database there); a temporary directory. */
  dataDir: string;
  /** The host uid the sandbox's processes run as, when the driver knows it (to look for leftover processes). */
  hostUid?(spec: SandboxSpec): number | undefined;
  /** How another process builds the same driver: `new (await import(path))[exportName](options)`. */
  driverModule?: DriverModule;
  /** The host pid of a process inside the running sandbox, for host-side checks (e.g. its network namespace). */
  sandboxPid?(spec: SandboxSpec): Promise<number | undefined>;
  cleanup(): Promise<void>;
}

export interface SandboxContractOptions {
  name: string;
  /** Why the whole suite cannot run here; it is then registered as skipped, with this reason. */
  skipReason?: string;
  /**
   * The capabilities of the driver createDriver() makes, known when the tests are collected: a
   * test of a capability not claimed here is not run (not even registered, so no skipped test
   * hides anything); its capability's written reason is printed instead.
   */
  capabilities: SandboxCapabilities;
  createDriver(): Promise<SandboxContractHarness>;
}

const MiB = 1024 ** 2;
/** The limits of the sandbox the limit tests use. */
const LIMITS: Required<SandboxLimits> = {
  processes: 64,
  openFiles: 256,
  fileSizeBytes: MiB,
  memoryBytes: 128 * MiB,
  cpus: 0.25,
};
const HANGAR_PORT = 7788;

/**
 * The behaviour every sandbox driver must show, run against real sandboxes.
 * Tests of a capability the driver does not claim are not run; the suite
 * prints each with the driver's written reason (capabilities.reasons).
 */
export function runSandboxContract(options: SandboxContractOptions): void {
  const title = `sandbox contract: ${options.name}${options.skipReason ? ` (skipped: ${options.skipReason})` : ''}`;
  describe.skipIf(options.skipReason)(title, () => {
    let h: SandboxContractHarness;
    const specs: SandboxSpec[] = [];
    const closers: (() => Promise<unknown>)[] = [];
    let main: SandboxSpec; // reused by the read-only checks
    let other: SandboxSpec; // another workspace
    const tag = String(Math.floor(Math.random() * 1e6)); // digits: also a valid fraction for `sleep 901.${tag}`
    const caps = () => h.driver.capabilities;
    const isolated = () => caps().isolated;

    const started = async (overrides: Partial<SandboxSpec> = {}) => {
      const spec = await h.makeSpec(overrides);
      specs.push(spec);
      await h.driver.create(spec);
      await h.driver.start(spec);
      return spec;
    };
    const sh = (spec: SandboxSpec, script: string, extra: Partial<RunOptions> = {}) =>
      runInSandbox(h.driver, spec, { command: ['/bin/sh', '-c', script], timeoutMs: 20_000, ...extra });
    const interfaces = async (spec: SandboxSpec) =>
      (await sh(spec, 'tail -n +3 /proc/net/dev | cut -d: -f1')).stdout
        .split('\n')
        .map((name) => name.trim())
        .filter(Boolean);
    const notRun: string[] = [];
    /** `it`, when the driver claims every capability named; otherwise noted with the reasons. */
    const itClaiming = (
      needed: CapabilityName | CapabilityName[],
      name: string,
      fn: (ctx: TestContext) => Promise<void>,
      timeout?: number,
    ) => {
      const missing = [needed].flat().filter((c) => !claims(options.capabilities, c));
      if (missing.length === 0) it(name, fn, timeout);
      else
        notRun.push(
          `${name}: ${missing.map((c) => `${c} not claimed: ${options.capabilities.reasons?.[c] ?? 'NO REASON GIVEN'}`).join('; ')}`,
        );
    };

    beforeAll(async () => {
      h = await options.createDriver();
      expect(h.driver.capabilities, 'the driver claims what the suite was collected with').toEqual(
        options.capabilities,
      );
      const network = caps().networkPolicies.includes('none') ? 'none' : 'full';
      main = await started({ network });
      other = await started({ network });
    }, 60_000);

    afterAll(async () => {
      if (!h) return;
      for (const close of closers) await close().catch(() => undefined);
      for (const spec of specs) await h.driver.destroy(spec);
      const left = (await h.driver.listRunning()).filter((id) => specs.some((spec) => spec.id === id));
      await h.cleanup();
      expect(left, 'sandboxes left running').toEqual([]);
    }, 60_000);

    it('runs a command with pipes: exit code, output, environment, working directory, unprivileged', async () => {
      const value = `it's "quoted" $HOME \\ ${tag}`;
      process.env.HANGAR_CONTRACT_LEAK = tag; // the server's environment must not reach the sandbox
      const result = await runInSandbox(h.driver, main, {
        command: [
          '/bin/sh',
          '-c',
          'echo out; echo err >&2; printf "%s\\n" "$GREETING"; pwd; id -u; env; exit 3',
        ],
        env: { GREETING: value },
      });
      delete process.env.HANGAR_CONTRACT_LEAK;
      const [out, greeting, cwd, uid] = result.stdout.split('\n');
      expect(result.exitCode).toBe(3);
      expect(result.stderr).toContain('err');
      expect([out, greeting, cwd]).toEqual(['out', value, isolated() ? SANDBOX_WORKSPACE : main.workDir]);
      expect(result.stdout).not.toContain('HANGAR_CONTRACT_LEAK');
      if (isolated()) expect(Number(uid)).not.toBe(0);
      const inTmp = await runInSandbox(h.driver, main, { command: ['pwd'], cwd: '/tmp' });
      expect(inTmp.stdout).toBe('/tmp\n');
    });

    it('runs a command in a terminal', async () => {
      const term = await openPtyInSandbox(h.driver, main, {
        command: ['/bin/sh', '-c', 'if [ -t 0 ] && [ -t 1 ]; then echo is-a-tty; fi; stty size'],
        pty: { cols: 91, rows: 27 },
      });
      let output = '';
      term.onData((data) => (output += data));
      const timer = setTimeout(() => term.kill('SIGKILL'), 10_000);
      const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
      clearTimeout(timer);
      expect(code).toBe(0);
      expect(output).toContain('is-a-tty');
      expect(output).toContain('27 91');
    });

    it('ends a command, and what it started, on a stop signal or a timeout', async () => {
      const marker = `sleep 901.${tag}`;
      const controller = new AbortController();
      const running = sh(main, `${marker}; echo never`, { signal: controller.signal });
      await waitFor(async () => (await hostProcesses(marker)).length > 0);
      controller.abort();
      const aborted = await running;
      expect(aborted.stdout).not.toContain('never');
      await waitFor(async () => (await hostProcesses(marker)).length === 0);
      const timedOut = await sh(main, `sleep 902.${tag}; echo never`, { timeoutMs: 300 });
      expect(timedOut.exitCode).not.toBe(0);
      expect(timedOut.durationMs).toBeLessThan(10_000);
      await waitFor(async () => (await hostProcesses(`sleep 902.${tag}`)).length === 0);
    });

    itClaiming(
      'isolated',
      'cannot read the data dir, its database, another workspace, /root or the server environment',
      async () => {
        // Readable by anyone on the host: only the sandbox's isolation may keep them out of reach.
        await chmod(h.dataDir, 0o755);
        await chmod(other.workDir, 0o755);
        await writeFile(join(h.dataDir, 'secret.txt'), `secret-${tag}\n`, { mode: 0o644 });
        await writeFile(join(h.dataDir, 'hangar.db'), `SQLite format 3\0secret-${tag}`, { mode: 0o644 });
        await writeFile(join(other.workDir, 'secret.txt'), `secret-${tag}\n`, { mode: 0o644 });
        // A host process with a secret in its environment, like the server's provider keys.
        const holder = spawn('sleep', ['30'], {
          env: { PATH: process.env.PATH ?? '', HANGAR_SECRET: `secret-${tag}` },
        });
        closers.push(async () => holder.kill('SIGKILL'));
        const paths = [
          join(h.dataDir, 'secret.txt'),
          join(h.dataDir, 'hangar.db'),
          join(other.workDir, 'secret.txt'),
          `/proc/1/root${join(h.dataDir, 'secret.txt')}`,
          `/proc/${holder.pid}/environ`,
          `/proc/${process.pid}/environ`,
        ];
        const dirs = [h.dataDir, other.workDir, '/root', ...(await hostOnlyDirs())];
        const script = [
          ...paths.map((p) => `cat '${p}' 2>/dev/null && printf '\\nREAD %s\\n' '${p}'`),
          ...dirs.map((d) => `ls -A '${d}' >/dev/null 2>&1 && echo 'LISTED ${d}'`),
          'true',
        ].join('\n');
        const result = await sh(main, script);
        expect(result.stdout.split('\n').filter((line) => /^(READ|LISTED) /.test(line))).toEqual([]);
        expect(result.stdout).not.toContain(`secret-${tag}`);
      },
    );

    itClaiming('isolated', 'cannot write /usr or /etc, and has a /tmp of its own', async () => {
      const passwd = await readFile('/etc/passwd', 'utf8');
      const probe = `hangar-probe-${tag}`;
      const result = await sh(
        main,
        `for f in /usr/${probe} /usr/local/${probe} /etc/${probe}; do touch "$f" 2>/dev/null && echo "WROTE $f"; done
        echo x 2>/dev/null >>/etc/passwd && echo 'WROTE /etc/passwd'
        echo mine >/tmp/${probe} && cat /tmp/${probe}`,
      );
      expect(result.stdout).toBe('mine\n');
      for (const path of [`/usr/${probe}`, `/usr/local/${probe}`, `/etc/${probe}`, `/tmp/${probe}`]) {
        expect(existsSync(path), path).toBe(false);
      }
      expect(await readFile('/etc/passwd', 'utf8')).toBe(passwd);
      expect((await sh(other, `cat /tmp/${probe}`)).exitCode).not.toBe(0);
    });

    itClaiming('isolated', 'runs with no capabilities', async () => {
      const status = (await sh(main, 'cat /proc/self/status')).stdout;
      expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
      expect(status).toMatch(/^CapPrm:\s+0000000000000000$/m);
      expect(status).toMatch(/^CapAmb:\s+0000000000000000$/m);
    });

    itClaiming('network:none', 'with network none, has only loopback and cannot reach the host', async () => {
      const host = await hostTcpServer(closers);
      expect(await interfaces(main)).toEqual(['lo']);
      expect((await sh(main, tcpProbe(host.port))).stdout).not.toContain('connected');
      expect(host.connections()).toBe(0);
    });

    itClaiming(
      'network:hangar',
      'with network hangar, reaches the server socket on 127.0.0.1 and nothing else',
      async () => {
        const socketDir = await mkdtemp(join(h.dataDir, 'hangar-run-'));
        await chmod(socketDir, 0o755);
        const socket = join(socketDir, 'hangar.sock');
        const answer = async () => {
          const server = createHttpServer((_req, res) => res.end(`pong-${tag}`));
          await new Promise<void>((resolve) => server.listen(socket, resolve));
          await chmod(socket, 0o666);
          closers.push(() => closeServer(server));
          return server;
        };
        const first = await answer();
        const host = await hostTcpServer(closers);
        const spec = await started({
          network: 'hangar',
          hangarSocketDir: socketDir,
          hangarPort: HANGAR_PORT,
        });
        const get = `exec 3<>/dev/tcp/127.0.0.1/${HANGAR_PORT} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
        expect((await sh(spec, `bash -c "${get}"`)).stdout).toContain(`pong-${tag}`);
        // The server re-creates its socket on restart: the sandbox must reach the new one.
        await closeServer(first);
        await rm(socket, { force: true });
        await answer();
        expect((await sh(spec, `bash -c "${get}"`)).stdout).toContain(`pong-${tag}`);
        expect(await interfaces(spec)).toEqual(['lo']);
        expect((await sh(spec, tcpProbe(host.port))).stdout).not.toContain('connected');
        expect(host.connections()).toBe(0);
      },
    );

    itClaiming(
      ['network:full', 'ownNetwork'],
      "with network full, reaches the server socket and the host's network, not its loopback or link-local addresses",
      async () => {
        const socketDir = await mkdtemp(join(h.dataDir, 'hangar-run-'));
        await chmod(socketDir, 0o755);
        const socket = join(socketDir, 'hangar.sock');
        const server = createHttpServer((_req, res) => res.end(`pong-${tag}`));
        await new Promise<void>((resolve) => server.listen(socket, resolve));
        await chmod(socket, 0o666);
        closers.push(() => closeServer(server));
        // On every host address: the sandbox may reach it through the host's own address only.
        const { port, connections } = await hostTcpServer(closers, '0.0.0.0');
        const address = Object.values(networkInterfaces())
          .flat()
          .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
        const spec = await started({ network: 'full', hangarSocketDir: socketDir, hangarPort: HANGAR_PORT });
        const get = `exec 3<>/dev/tcp/127.0.0.1/${HANGAR_PORT} && printf 'GET /ping HTTP/1.0\\r\\n\\r\\n' >&3 && cat <&3`;
        expect((await sh(spec, `bash -c "${get}"`)).stdout).toContain(`pong-${tag}`);
        expect(await interfaces(spec)).not.toEqual(['lo']);
        const probe = (target: string) =>
          `timeout 5 bash -c 'exec 3<>/dev/tcp/${target.replace(':', '/')}' 2>/dev/null && echo "connected ${target}"; true`;
        // 10.0.2.2 is the host's loopback under slirp4netns, when allowed; 169.254.169.254 the cloud metadata service.
        const denied = [`10.0.2.2:${port}`, `169.254.169.254:80`];
        const result = await sh(spec, denied.map(probe).join('\n'));
        expect(result.stdout).not.toContain('connected');
        expect(connections()).toBe(0);
        if (address) {
          expect((await sh(spec, probe(`${address}:${port}`))).stdout).toContain(`connected ${address}`);
          expect(connections()).toBe(1);
          // A template's blockedNetworks: the host's own address, routed nowhere.
          const blocked = await started({
            network: 'full',
            hangarSocketDir: socketDir,
            hangarPort: HANGAR_PORT,
            blockedNetworks: [`${address}/32`],
          });
          expect((await sh(blocked, probe(`${address}:${port}`))).stdout).not.toContain('connected');
          expect(connections()).toBe(1);
        }
      },
    );

    itClaiming(
      'isolated',
      'shows binds at their sandboxPath, read-write or read-only as configured',
      async () => {
        // In the data dir, which only the server may traverse; the sandbox uid owns the bound directories.
        const root = await mkdtemp(join(h.dataDir, 'binds-'));
        const [writable, readable] = [join(root, 'rw'), join(root, 'ro')];
        const readOnlyAt = `/srv/hangar-contract-${tag}`;
        const spec = await h.makeSpec({
          binds: [
            { hostPath: writable, sandboxPath: writable, readOnly: false },
            { hostPath: readable, sandboxPath: readOnlyAt, readOnly: true },
          ],
        });
        specs.push(spec);
        for (const dir of [writable, readable]) {
          await mkdir(dir);
          await writeFile(join(dir, 'host.txt'), `host-${tag}\n`, { mode: 0o644 });
          const uid = h.hostUid?.(spec);
          if (uid !== undefined) {
            await chown(dir, uid, spec.gid);
            await chown(join(dir, 'host.txt'), uid, spec.gid);
          }
        }
        await h.driver.create(spec);
        await h.driver.start(spec);
        const result = await sh(
          spec,
          `cat '${writable}/host.txt' '${readOnlyAt}/host.txt'
        echo inside-${tag} >'${writable}/inside.txt' && echo >>'${writable}/host.txt' && echo WROTE-RW
        touch '${readOnlyAt}/inside.txt' 2>/dev/null && echo WROTE-RO-NEW
        echo x 2>/dev/null >>'${readOnlyAt}/host.txt' && echo WROTE-RO-FILE
        true`,
        );
        expect(result.stdout).toBe(`host-${tag}\nhost-${tag}\nWROTE-RW\n`);
        expect(await readFile(join(writable, 'inside.txt'), 'utf8')).toBe(`inside-${tag}\n`);
        expect(await readFile(join(writable, 'host.txt'), 'utf8')).toBe(`host-${tag}\n\n`);
        expect(await readFile(join(readable, 'host.txt'), 'utf8')).toBe(`host-${tag}\n`);
        expect(existsSync(join(readable, 'inside.txt'))).toBe(false);
      },
    );

    // No limit claimed: its tests are only noted (an empty describe would fail), and no limited sandbox starts.
    const limitsSuite = (name: string, body: () => void) =>
      options.capabilities.enforcedLimits.length > 0 ? describe(name, body) : body();
    limitsSuite('limits', () => {
      let limited: SandboxSpec;
      if (options.capabilities.enforcedLimits.length > 0)
        beforeAll(async () => {
          limited = await started({ limits: LIMITS });
        }, 30_000);

      itClaiming('limit:fileSizeBytes', 'stops a file from growing past fileSizeBytes', async () => {
        const result = await sh(
          limited,
          `head -c ${2 * MiB} /dev/zero >/workspace/big; echo "exit $?"; wc -c </workspace/big`,
        );
        const [exit, size] = result.stdout.trim().split('\n');
        expect(exit).not.toBe('exit 0');
        expect(Number(size)).toBeLessThanOrEqual(LIMITS.fileSizeBytes);
      });

      itClaiming('limit:openFiles', 'limits open files to openFiles', async () => {
        expect(Number((await sh(limited, 'ulimit -n')).stdout)).toBeLessThanOrEqual(LIMITS.openFiles);
      });

      itClaiming(
        'limit:memoryBytes',
        'kills a process that takes more than memoryBytes, and the sandbox lives on',
        async () => {
          const result = await sh(
            limited,
            'dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null && echo survived',
          );
          expect(result.stdout).not.toContain('survived');
          expect((await sh(limited, 'echo alive')).stdout).toBe('alive\n');
          // Nothing lands in the server's working directory (podman's conmon writes an `oom` marker in its own).
          expect(await readdir(process.cwd())).not.toContain('oom');
        },
      );

      itClaiming('limit:cpus', 'gives the sandbox no more CPU time than cpus', async () => {
        const result = await runInSandbox(h.driver, limited, {
          command: ['/bin/bash', '-c', "TIMEFORMAT='%U %S %R'; time (timeout 1 sh -c 'while :; do :; done')"],
        });
        const [user, system, real] = result.stderr.trim().split('\n').pop()!.split(' ').map(Number);
        expect(real).toBeGreaterThan(0.9);
        expect((user! + system!) / real!).toBeLessThan(LIMITS.cpus + 0.25);
      });

      itClaiming(
        'limit:processes',
        'contains a fork bomb: other sandboxes and the server stay responsive',
        async () => {
          // The shell ends in exec, so timeout's child lives the 3 s and the kill reaches the whole bomb.
          const script = `timeout -s KILL 3 bash -c ':(){ :|:& };:; exec sleep 10' >/dev/null 2>&1; echo over`;
          const bomb = sh(limited, script, { timeoutMs: 20_000 });
          // For 1.5 s of the bomb's 3: it fills the process limit, and never gets past it.
          const uid = h.hostUid?.(limited);
          let peak = 0;
          for (const end = Date.now() + 1500; Date.now() < end;) {
            if (uid !== undefined) peak = Math.max(peak, (await hostProcesses(undefined, uid)).length);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          if (uid !== undefined) {
            expect(peak).toBeGreaterThan(LIMITS.processes / 2);
            expect(peak).toBeLessThanOrEqual(LIMITS.processes + 16);
          }
          expect((await sh(other, 'echo still-here', { timeoutMs: 10_000 })).stdout).toBe('still-here\n');
          expect(spawnSync('true').status).toBe(0);
          expect((await bomb).stdout).toBe('over\n');
          if (uid !== undefined) await waitFor(async () => (await hostProcesses(undefined, uid)).length < 16);
          await waitFor(
            async () => (await sh(limited, 'echo back', { timeoutMs: 5000 })).stdout === 'back\n',
            15_000,
          );
        },
        40_000,
      );
    });

    it('keeps files in /workspace and $HOME across stop and start; status and listRunning follow', async () => {
      // Relative to the working directory, /workspace (on the host driver, the work dir itself).
      await sh(main, `echo w-${tag} >kept && echo h-${tag} >"$HOME/kept"`);
      expect(await h.driver.status(main)).toBe('running');
      expect(await h.driver.listRunning()).toContain(main.id);
      await h.driver.stop(main);
      expect(await h.driver.status(main)).toBe('stopped');
      expect(await h.driver.listRunning()).not.toContain(main.id);
      await h.driver.start(main);
      await h.driver.start(main); // idempotent
      expect(await h.driver.status(main)).toBe('running');
      const home = isolated() ? SANDBOX_HOME : main.homeDir;
      expect((await sh(main, `cat kept "${home}/kept"`)).stdout).toBe(`w-${tag}\nh-${tag}\n`);
      expect(await readFile(join(main.workDir, 'kept'), 'utf8')).toBe(`w-${tag}\n`);
    });

    itClaiming('isolated', 'stop ends every process of the sandbox, also detached ones', async () => {
      const marker = `sleep 903.${tag}`;
      await sh(main, detachedCommand(marker));
      await waitFor(async () => (await hostProcesses(marker)).length > 0);
      await h.driver.stop(main);
      expect(await hostProcesses(marker)).toEqual([]);
      const uid = h.hostUid?.(main);
      if (uid !== undefined) expect(await hostProcesses(undefined, uid)).toEqual([]);
      expect(await h.driver.status(main)).toBe('stopped');
      await h.driver.stop(main); // idempotent
    });

    itClaiming('isolated', 'destroy leaves no process, mount or file', async () => {
      const spec = await started();
      const marker = `sleep 904.${tag}`;
      await sh(spec, `echo x >/workspace/file\n${detachedCommand(marker)}`);
      await waitFor(async () => (await hostProcesses(marker)).length > 0);
      await h.driver.destroy(spec);
      await h.driver.destroy(spec); // idempotent
      expect(await hostProcesses(marker)).toEqual([]);
      const uid = h.hostUid?.(spec);
      if (uid !== undefined) expect(await hostProcesses(undefined, uid)).toEqual([]);
      const mounts =
        (await readFile('/proc/self/mountinfo', 'utf8')) + (await readFile('/proc/1/mountinfo', 'utf8'));
      for (const dir of [spec.workDir, spec.homeDir, spec.stateDir]) {
        expect(mounts).not.toContain(dir);
        expect(existsSync(dir), dir).toBe(false);
      }
      expect(await h.driver.status(spec)).toBe('stopped');
      expect(await h.driver.listRunning()).not.toContain(spec.id);
    });

    itClaiming(
      'survivesServerRestart',
      'keeps a sandbox running when the process that started it dies',
      async (ctx) => {
        if (!h.driverModule)
          return ctx.skip(`the ${options.name} harness gives no driverModule to start it from a child`);
        const spec = await h.makeSpec();
        specs.push(spec);
        await h.driver.create(spec);
        const child = await startInChild(h.driverModule, spec);
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
        expect(await h.driver.status(spec)).toBe('running');
        expect(await h.driver.listRunning()).toContain(spec.id);
        expect((await sh(spec, 'echo alive')).stdout).toBe('alive\n');
      },
      30_000,
    );

    it('gives a written reason for each capability it does not claim, and none for what it claims', () => {
      const unclaimed = unclaimedCapabilities(options.capabilities);
      const reasons = options.capabilities.reasons ?? {};
      const given = (Object.keys(reasons) as CapabilityName[]).filter((c) => reasons[c]?.trim());
      expect(
        unclaimed.filter((c) => !given.includes(c)),
        'not claimed, with no reason',
      ).toEqual([]);
      expect(
        given.filter((c) => !unclaimed.includes(c)),
        'claimed, yet with a reason not to',
      ).toEqual([]);
    });

    afterAll(() => {
      const lines = notRun.map((line) => `  not run: ${line}`);
      console.log(`sandbox contract: ${options.name}: ${notRun.length} test(s) not run\n${lines.join('\n')}`);
      if (!options.capabilities.isolated) {
        const reason = options.capabilities.reasons?.isolated ?? 'NO REASON GIVEN';
        console.log(`escape attempts blocked: 0 (${options.name}: not run: isolated not claimed: ${reason})`);
      }
    });

    // Escape attempts need something to escape from: a driver that does not isolate runs none.
    if (options.capabilities.isolated)
      runEscapeAttempts({
        name: options.name,
        driver: () => h.driver,
        dataDir: () => h.dataDir,
        started,
        hostUid: (spec) => h.hostUid?.(spec),
        sandboxPid: async (spec) => h.sandboxPid?.(spec),
        driverModule: () => h.driverModule,
        closers,
        tag,
      });
  });
}

/** Host processes whose command line contains `text` and/or that run as `uid`; zombies do not count. */
async function hostProcesses(text?: string, uid?: number): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = await readFile(`/proc/${name}/status`, 'utf8');
      if (/^State:\s+Z/m.test(status)) continue;
      if (uid !== undefined && !new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(status)) continue;
      if (
        text !== undefined &&
        !(await readFile(`/proc/${name}/cmdline`, 'utf8')).replaceAll('\0', ' ').includes(text)
      ) {
        continue;
      }
      found.push(Number(name));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}

/** Directories of the host that only the server may see, which exist on this machine. */
async function hostOnlyDirs(): Promise<string[]> {
  const homes = (await readdir('/home').catch(() => []))
    .filter((name) => name !== 'hangar')
    .map((name) => `/home/${name}`);
  return ['/var/lib/postgresql', '/run/postgresql', '/run/user', ...homes].filter((dir) => existsSync(dir));
}

/** A shell line that prints "connected" when a TCP connection to 127.0.0.1:port succeeds. */
function tcpProbe(port: number): string {
  return `timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo connected; true`;
}

/** A TCP server on the host's loopback (or `bind`) that counts the connections it gets. */
async function hostTcpServer(
  closers: (() => Promise<unknown>)[],
  bind = '127.0.0.1',
): Promise<{ port: number; connections(): number }> {
  let connections = 0;
  const server: TcpServer = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, bind, resolve));
  closers.push(() => closeServer(server));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no port');
  return { port: address.port, connections: () => connections };
}

function closeServer(server: HttpServer | TcpServer): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the sandbox');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Starts the sandbox from a child node process that builds its own driver
 * from `module`, and resolves once it has started it; the caller then kills
 * that process.
 */
async function startInChild(
  module: NonNullable<SandboxContractHarness['driverModule']>,
  spec: SandboxSpec,
): Promise<ChildProcess> {
  const script = `await driver.start(spec);
console.log('started');
setInterval(() => {}, 60_000);`;
  const { child } = await spawnDriverChild(module, spec, script, 'started');
  return child;
}
