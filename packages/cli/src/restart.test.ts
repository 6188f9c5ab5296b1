import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bwrapMissing } from './test/harness.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** Host processes whose real uid falls in [base, base + count). */
function sandboxProcesses(base: number, count: number): { pid: number; uid: number; cmd: string }[] {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]);
      if (uid >= base && uid < base + count) {
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
        found.push({ pid: Number(entry), uid, cmd });
      }
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

function serve(env: Record<string, string>) {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`hangar serve exited:\n${output}`));
      }
    }, 25);
  });
  return { child, url, output: () => output };
}

async function api(base: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field
  return { status: res.status, body: (await res.json()) as any };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(bwrapMissing)('a server killed with SIGKILL, restarted', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-restart-'));
  const uidBase = 400_000 + Math.floor(Math.random() * 1000) * 100;
  const env = {
    HANGAR_DATA_DIR: dataDir,
    HANGAR_PORT: '0',
    HANGAR_AUTH: 'none',
    HANGAR_LOG_LEVEL: 'warn',
    HANGAR_SANDBOX_UID_BASE: String(uidBase),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  const started: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finds its 3 running workspaces running (processes intact) or cleanly stopped, none orphaned', async () => {
    const first = serve(env);
    started.push(first.child);
    const base = await first.url;
    const ids: string[] = [];
    for (const name of ['one', 'two', 'three']) {
      const created = await api(base, 'POST', '/api/workspaces', { name });
      expect(created.status).toBe(201);
      ids.push(created.body.id);
    }
    for (const id of ids) {
      await until(`${id} running`, async () =>
        (await api(base, 'GET', `/api/workspaces/${id}`)).body.state === 'running' ? true : undefined,
      );
      const bg = await api(base, 'POST', `/api/workspaces/${id}/exec`, {
        command: ['sh', '-c', 'setsid sleep 1000 </dev/null >/dev/null 2>&1 & echo started > marker'],
      });
      expect(bg.body.exitCode).toBe(0);
    }
    const before = sandboxProcesses(uidBase, 100).filter((p) => p.cmd.startsWith('sleep 1000'));
    expect(before).toHaveLength(3);

    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));

    const second = serve(env);
    started.push(second.child);
    const base2 = await second.url;
    const list = await api(base2, 'GET', '/api/workspaces');
    const workspaces = list.body.workspaces as unknown as { id: string; state: string }[];
    expect(workspaces).toHaveLength(3);
    for (const ws of workspaces) {
      expect(['running', 'stopped']).toContain(ws.state);
      if (ws.state !== 'running') continue;
      // The sandbox is the one from before: its background process is still there, and it works.
      const ps = await api(base2, 'POST', `/api/workspaces/${ws.id}/exec`, {
        command: ['sh', '-c', 'cat marker; ps -eo args || ls /proc'],
      });
      expect(ps.body.stdout).toContain('started');
    }
    const after = sandboxProcesses(uidBase, 100).filter((p) => p.cmd.startsWith('sleep 1000'));
    const running = workspaces.filter((w) => w.state === 'running').length;
    expect(after).toHaveLength(running);
    expect(after.map((p) => p.pid).sort()).toEqual(
      before
        .filter((p) => after.some((a) => a.pid === p.pid))
        .map((p) => p.pid)
        .sort(),
    );

    // Deleting everything leaves no process of any sandbox uid behind.
    for (const ws of workspaces) {
      const name = ((await api(base2, 'GET', `/api/workspaces/${ws.id}`)).body as { name: string }).name;
      expect((await api(base2, 'DELETE', `/api/workspaces/${ws.id}`, { confirm: name })).status).toBe(200);
    }
    await until('workspaces deleted', async () =>
      ((await api(base2, 'GET', '/api/workspaces')).body.workspaces as unknown[]).length === 0
        ? true
        : undefined,
    );
    await until(
      'no sandbox processes',
      async () => (sandboxProcesses(uidBase, 100).length === 0 ? true : undefined),
      10_000,
    );
    second.child.kill('SIGTERM');
    expect(await new Promise((r) => second.child.once('exit', r))).toBe(0);
  });
});
