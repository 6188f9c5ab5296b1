import { closeSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnDriverChild } from './child-driver.js';
import { spawnCommand, stopSpawner, type SpawnedChild } from './spawner.js';

const collect = (child: SpawnedChild) => {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>(
    (resolve) =>
      child.once('close', (code: number | null, signal: string | null) =>
        resolve({
          code,
          signal,
          stdout: Buffer.concat(out).toString(),
          stderr: Buffer.concat(err).toString(),
        }),
      ),
  );
};
const parentOf = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);

describe('the spawner zygote', () => {
  afterAll(() => stopSpawner());

  it('runs a command with its stdin, stdout, stderr and exit code, and is not the server’s child', async () => {
    const child = await spawnCommand({
      file: '/bin/sh',
      args: ['-c', 'read line; echo "got $line"; echo oops >&2; sleep 0.2; exit 3'],
      env: { PATH: '/usr/bin:/bin' },
    });
    expect(parentOf(child.pid!)).not.toBe(process.pid);
    const done = collect(child);
    child.stdin!.end('hello\n');
    expect(await done).toEqual({ code: 3, signal: null, stdout: 'got hello\n', stderr: 'oops\n' });
    expect(child.exitCode).toBe(3);
  });

  it('gives a command more descriptors: pipes both ways, files it opens, nothing; and lets it outlive the wait', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hangar-spawner-stdio-'));
    try {
      const input = join(dir, 'input');
      const log = join(dir, 'log');
      writeFileSync(input, 'from a file\n');
      writeFileSync(log, 'kept\n');
      const child = await spawnCommand({
        file: '/bin/sh',
        args: [
          '-c',
          'cat <&5 >&3; exec 3>&-; echo out; echo err >&2; read line <&4; echo "$line" >&4; [ -e /proc/self/fd/6 ] || echo none',
        ],
        env: { PATH: '/usr/bin:/bin' },
        stdio: [
          'ignore',
          { file: log, flags: 'a' },
          { file: log, flags: 'a' },
          'pipe',
          'pipe',
          { file: input, flags: 'r' },
          'ignore',
        ],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      expect(child.stdin).toBeNull();
      expect(child.stdout).toBeNull();
      const [three, four] = [child.stdio[3], child.stdio[4]] as Socket[];
      const read = (socket: Socket) =>
        new Promise<string>((resolve) => {
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.once('end', () => resolve(text));
          socket.resume();
        });
      expect(await read(three!)).toBe('from a file\n');
      const answer = read(four!);
      four!.end('back\n');
      expect(await answer).toBe('back\n');
      child.unref(); // the server no longer waits for it; its end is still reported
      expect(await exited).toBe(0);
      expect(readFileSync(log, 'utf8')).toBe('kept\nout\nerr\nnone\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('passes env and cwd, and reports a command that ends at once', async () => {
    const child = await spawnCommand({
      file: '/bin/sh',
      args: ['-c', 'echo "$GREETING $(pwd)"'],
      env: { GREETING: 'hi' },
      cwd: '/tmp',
    });
    expect(await collect(child)).toMatchObject({ code: 0, stdout: 'hi /tmp\n' });
  });

  it('gives each of many concurrent commands its own output, intact', async () => {
    const runs = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const child = await spawnCommand({
          file: '/bin/sh',
          args: ['-c', `head -c ${100_000 + i} /dev/zero | tr '\\0' ${String.fromCharCode(97 + (i % 26))}`],
        });
        child.stdin!.end();
        return { i, result: await collect(child) };
      }),
    );
    for (const { i, result } of runs) {
      expect(result.code).toBe(0);
      expect(result.stdout).toBe(String.fromCharCode(97 + (i % 26)).repeat(100_000 + i));
    }
  });

  it('kills a command with a signal', async () => {
    const child = await spawnCommand({ file: '/bin/sleep', args: ['60'], detached: true });
    const done = collect(child);
    expect(child.kill('SIGTERM')).toBe(true);
    expect(await done).toMatchObject({ code: null, signal: 'SIGTERM' });
    expect(child.kill('SIGTERM')).toBe(false);
  });

  it('rejects a command that cannot start', async () => {
    await expect(spawnCommand({ file: '/nonexistent/command', args: [] })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('starts again after the zygote died, and ends what the dead one had started', async () => {
    const running = await spawnCommand({ file: '/bin/sleep', args: ['60'] });
    const zygotePid = parentOf(running.pid!);
    expect(readFileSync(`/proc/${zygotePid}/cmdline`, 'utf8')).toContain('spawner-zygote.mjs');
    const done = collect(running);
    process.kill(zygotePid, 'SIGKILL');
    expect(await done).toMatchObject({ signal: 'SIGKILL' });
    // It waits for its input, so it is still there to be looked at.
    const next = await spawnCommand({ file: '/bin/sh', args: ['-c', 'read line; echo "$line"'] });
    const done2 = collect(next);
    expect(parentOf(next.pid!)).not.toBe(zygotePid);
    next.stdin!.end('back\n');
    expect(await done2).toMatchObject({ code: 0, stdout: 'back\n' });
  });

  it('starts commands with none of the descriptors the server inherited', async () => {
    // A server process (a child, through the host driver's commands) holding a file at fds 3 and 40,
    // as a shell or supervisor leaves them: Node marks 3 close-on-exec at start, not 40.
    const dir = await mkdtemp(join(tmpdir(), 'hangar-spawner-fds-'));
    const fd = openSync(fileURLToPath(import.meta.url), 'r');
    const stdio: (number | 'ignore')[] = [];
    for (let i = 3; i <= 40; i++) stdio.push(i === 3 || i === 40 ? fd : 'ignore');
    const spec = {
      id: 'fds',
      workDir: dir,
      homeDir: dir,
      stateDir: dir,
      uid: 1,
      gid: 1,
      env: {},
      network: 'full' as const,
      limits: {},
    };
    const script = `await driver.start(spec);
const r = await runInSandbox(driver, spec, { command: ['/bin/sh', '-c', 'ls /proc/$$/fd'], timeoutMs: 20000 });
console.log('FDS ' + r.stdout.split('\\n').filter(Boolean).join(',') + ' END');
process.exit(0);`;
    try {
      const { child, output } = await spawnDriverChild(
        {
          path: fileURLToPath(new URL('./host/host-driver.ts', import.meta.url)),
          exportName: 'HostDriver',
          options: {},
        },
        spec,
        script,
        ' END',
        stdio,
      );
      child.kill('SIGKILL');
      expect(/FDS (\S*) END/.exec(output)?.[1], output).toBe('0,1,2');
    } finally {
      closeSync(fd);
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
