import { lstat, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BubblewrapDriver } from './bubblewrap/bubblewrap-driver.js';
import type { SandboxSpec } from './driver.js';
import { sandboxOf, type Sandbox } from './sandbox.js';

const skipReason = await new BubblewrapDriver({ stateRoot: tmpdir() }).unavailableReason();
if (skipReason && process.env.CI === 'true')
  throw new Error(`CI requires the bubblewrap driver: ${skipReason}`);

/**
 * The Sandbox object on a real bubblewrap sandbox, with its files reached on
 * the host (the driver's filesOnHost) and, forced, through commands inside
 * (what a driver whose volumes are elsewhere gets): both must behave alike.
 */
describe.skipIf(skipReason)('Sandbox', () => {
  let dataDir: string;
  let driver: BubblewrapDriver;
  let spec: SandboxSpec;
  const root = process.getuid?.() === 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'hangar-sandbox-object-'));
    driver = new BubblewrapDriver({ stateRoot: join(dataDir, 'state') });
    const uid = 63_000 + (process.pid % 500) * 2;
    spec = {
      id: `sb-${process.pid}`,
      workDir: join(dataDir, 'work'),
      homeDir: join(dataDir, 'home'),
      stateDir: join(dataDir, 'state', 'sb'),
      uid,
      gid: uid,
      env: { LANG: 'C.UTF-8', PATH: '/usr/bin:/bin' },
      network: 'none',
      limits: {},
    };
    await driver.create(spec);
    await driver.start(spec);
  });
  afterAll(async () => {
    await driver?.destroy(spec).catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs commands: exec collects output, run streams it and ends on abort', async () => {
    const sandbox = sandboxOf(driver, spec);
    expect(sandbox.id).toBe(spec.id);
    expect(sandbox.capabilities.isolated).toBe(true);
    const result = await sandbox.exec({ command: ['sh', '-c', 'pwd; cat'], stdin: 'in' });
    expect(result).toMatchObject({ exitCode: 0, stdout: '/workspace\nin' });
    const abort = new AbortController();
    const child = await sandbox.run({ command: ['sleep', '600'], signal: abort.signal });
    child.stdout?.resume();
    child.stderr?.resume();
    const closed = new Promise((resolve) => child.once('close', (code, signal) => resolve(signal)));
    abort.abort();
    expect(await closed).toBe('SIGKILL');
  });

  for (const mode of ['on the host', 'through commands in the sandbox'] as const) {
    describe(`files ${mode}`, () => {
      let sandbox: Sandbox;
      const dir = mode === 'on the host' ? 'host' : 'inside';
      beforeAll(async () => {
        sandbox = sandboxOf(driver, spec, { filesThroughSandbox: mode !== 'on the host' });
        await sandbox.exec({ command: ['mkdir', '-p', `/workspace/${dir}/sub`, `/home/hangar/${dir}`] });
      });

      it('writes a file the sandbox reads, owned by its uid, and reads it back byte for byte', async () => {
        const bytes = Buffer.from([0, 1, 2, 255, 10, 13, 0x80, 0x41]);
        await sandbox.writeFile(`/workspace/${dir}/bin.dat`, bytes);
        await sandbox.writeFile(`${dir}/text.txt`, 'héllo\n'); // relative to /workspace
        await sandbox.writeFile(`/home/hangar/${dir}/rc`, 'home\n');
        const inside = await sandbox.exec({
          command: ['sh', '-c', `od -An -tx1 ${dir}/bin.dat; cat ${dir}/text.txt ~/${dir}/rc`],
        });
        expect(inside.stdout.replace(/\s+/g, ' ').trim()).toBe('00 01 02 ff 0a 0d 80 41 héllo home');
        expect(await sandbox.readFile(`/workspace/${dir}/bin.dat`)).toEqual(bytes);
        expect((await sandbox.readFile(`/home/hangar/${dir}/rc`)).toString()).toBe('home\n');
        if (root) expect((await stat(join(spec.workDir, dir, 'text.txt'))).uid).toBe(spec.uid);
        await sandbox.writeFile(`${dir}/text.txt`, 'replaced');
        expect((await sandbox.readFile(`${dir}/text.txt`)).toString()).toBe('replaced');
      });

      it('lists a directory with each entry’s type and size, links not followed', async () => {
        await sandbox.exec({
          command: ['sh', '-c', `cd ${dir} && printf 12345 > five && ln -sf /etc/passwd link`],
        });
        const entries = await sandbox.list(`/workspace/${dir}`);
        expect(entries.find((e) => e.name === 'five')).toMatchObject({ name: 'five', type: 'file', size: 5 });
        expect(entries.find((e) => e.name === 'link')).toMatchObject({
          name: 'link',
          type: 'symlink',
          size: 0,
          target: '/etc/passwd',
        });
        expect(entries.find((e) => e.name === 'sub')).toMatchObject({ name: 'sub', type: 'directory' });
        expect(entries.map((e) => e.name)).toEqual([...entries.map((e) => e.name)].sort());
      });

      it('never reads or writes outside the workspace through a link the sandbox planted', async () => {
        const outside = join(dataDir, `outside-${dir}.txt`);
        await writeFile(outside, 'secret');
        await sandbox.exec({
          command: ['sh', '-c', `cd ${dir} && ln -sf ${outside} planted && ln -sfn ${dataDir} out`],
        });
        await expect(sandbox.readFile(`${dir}/planted`)).rejects.toThrow();
        await expect(sandbox.readFile(`${dir}/out/outside-${dir}.txt`)).rejects.toThrow();
        await expect(sandbox.list(`${dir}/out`)).rejects.toThrow();
        await sandbox.writeFile(`${dir}/planted`, 'through?');
        expect(await readFile(outside, 'utf8')).toBe('secret');
        expect((await lstat(join(spec.workDir, dir, 'planted'))).isFile()).toBe(true);
        await expect(sandbox.writeFile(`${dir}/out/new.txt`, 'x')).rejects.toThrow();
        await expect(lstat(join(dataDir, 'new.txt'))).rejects.toThrow();
      });

      it('refuses paths outside /workspace and the home directory, and files over the limit', async () => {
        await expect(sandbox.readFile('/etc/passwd')).rejects.toThrow(/only files under/);
        await expect(sandbox.readFile('/workspace/../etc/passwd')).rejects.toThrow(/only files under/);
        await expect(sandbox.writeFile('../x', 'x')).rejects.toThrow(/only files under/);
        await sandbox.writeFile(`${dir}/big`, Buffer.alloc(100));
        await expect(sandbox.readFile(`${dir}/big`, 99)).rejects.toThrow(/larger than 99 bytes/);
        expect((await sandbox.readFile(`${dir}/big`, 100)).length).toBe(100);
        await expect(sandbox.readFile(`${dir}/sub`)).rejects.toThrow();
      });
    });
  }
});
