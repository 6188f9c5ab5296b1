import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../test/server.js';
import { processRef } from './bubblewrap/proc.js';
import { lockUidRange, UidRangeInUseError, type UidRangeLock } from './uid-lock.js';

describe('sandbox uid range lock', () => {
  let dir: string;
  const locks: UidRangeLock[] = [];
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hangar-uid-lock-'));
  });
  afterEach(async () => {
    for (const lock of locks.splice(0)) await lock.release();
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /** Registers a range as another server (a live process: `sleep`) would have. */
  const otherServer = async (base: number, count: number) => {
    const child = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(child);
    await new Promise((resolve) => child.once('spawn', resolve));
    const ref = await processRef(child.pid!);
    await writeFile(
      join(dir, `uids-${base}-${base + count - 1}.lock`),
      JSON.stringify({ ...ref, base, count }),
    );
    return child;
  };

  it('refuses a range that overlaps a live server’s, naming it and how to pick another', async () => {
    const other = await otherServer(200_000, 50_000);
    const attempt = lockUidRange({ base: 240_000, count: 20_000 }, dir);
    await expect(attempt).rejects.toBeInstanceOf(UidRangeInUseError);
    await expect(attempt).rejects.toThrow(
      `sandbox uids 240000-259999 overlap uids 200000-249999 of another Hangar server on this host (pid ${other.pid})`,
    );
    await expect(attempt).rejects.toThrow('HANGAR_SANDBOX_UID_BASE=250000');
    // The refused server left nothing behind.
    expect(await readdir(dir)).toEqual(['uids-200000-249999.lock']);
  });

  it('refuses the very same range, and an overlap between two servers of this host', async () => {
    await otherServer(300_000, 100);
    await expect(lockUidRange({ base: 300_000, count: 100 }, dir)).rejects.toThrow(
      /overlap uids 300000-300099/,
    );
    locks.push(await lockUidRange({ base: 400_000, count: 100 }, dir));
    await expect(lockUidRange({ base: 400_050, count: 100 }, dir)).rejects.toThrow(
      /overlap uids 400000-400099/,
    );
  });

  it('lets disjoint ranges both run, and a released range be taken again', async () => {
    await otherServer(200_000, 100);
    const first = await lockUidRange({ base: 200_100, count: 100 }, dir);
    const second = await lockUidRange({ base: 100_000, count: 100_000 }, dir);
    expect(existsSync(first.path) && existsSync(second.path)).toBe(true);
    await first.release();
    expect(existsSync(first.path)).toBe(false);
    locks.push(second, await lockUidRange({ base: 200_100, count: 50 }, dir));
  });

  it('is not blocked by the registration of a server that is gone', async () => {
    const other = await otherServer(500_000, 100);
    const exited = new Promise((resolve) => other.once('exit', resolve));
    other.kill('SIGKILL');
    await exited;
    const lock = await lockUidRange({ base: 500_000, count: 1_000 }, dir);
    locks.push(lock);
    expect(await readdir(dir)).toEqual(['uids-500000-500999.lock']);
  });

  it('makes a second server with an overlapping range refuse to start; a disjoint one starts', async () => {
    const base = 5_000_000 + Math.floor(Math.random() * 10_000) * 1_000;
    const first = await startTestServer({
      env: { HANGAR_SANDBOX_UID_BASE: String(base), HANGAR_SANDBOX_UID_COUNT: '500' },
    });
    try {
      await expect(
        startTestServer({
          env: { HANGAR_SANDBOX_UID_BASE: String(base + 400), HANGAR_SANDBOX_UID_COUNT: '500' },
        }),
      ).rejects.toThrow(
        `overlap uids ${base}-${base + 499} of another Hangar server on this host (pid ${process.pid})`,
      );
      const second = await startTestServer({
        env: { HANGAR_SANDBOX_UID_BASE: String(base + 500), HANGAR_SANDBOX_UID_COUNT: '500' },
      });
      await second.stop();
    } finally {
      await first.stop();
    }
    // Stopped: the range is free again.
    const again = await startTestServer({
      env: { HANGAR_SANDBOX_UID_BASE: String(base), HANGAR_SANDBOX_UID_COUNT: '500' },
    });
    await again.stop();
  }, 60_000);
});
