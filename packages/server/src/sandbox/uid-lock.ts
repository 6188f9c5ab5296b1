import { link, mkdir, readdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive, processRef, type ProcessRef } from './bubblewrap/proc.js';

/**
 * Each workspace's sandbox runs as a host uid of the server's range
 * (HANGAR_SANDBOX_UID_BASE, _COUNT). Two servers on one host with
 * overlapping ranges would give two workspaces the same uid, and so each
 * other's files and processes. So a server registers its range for its
 * lifetime, as a file per range in a directory of the host (root: /run/hangar;
 * otherwise per user, whose sandboxes map to its own ids), holding its pid
 * and start time, and refuses to start when a live server holds an
 * overlapping range. A file of a process that is gone (killed, crashed)
 * blocks nothing and is removed.
 */

export interface UidRange {
  base: number;
  count: number;
}

export interface UidRangeLock {
  /** The registration file. */
  path: string;
  release(): Promise<void>;
}

export class UidRangeInUseError extends Error {
  constructor(
    readonly range: UidRange,
    readonly other: UidRange & { pid: number },
  ) {
    super(
      `sandbox uids ${describe(range)} overlap uids ${describe(other)} of another Hangar server on this host ` +
        `(pid ${other.pid}): set HANGAR_SANDBOX_UID_BASE (and HANGAR_SANDBOX_UID_COUNT) to a range that overlaps ` +
        `no other server's, e.g. HANGAR_SANDBOX_UID_BASE=${other.base + other.count}`,
    );
    this.name = 'UidRangeInUseError';
  }
}

const holderSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number().int().nonnegative(),
  base: z.number().int(),
  count: z.number().int().positive(),
});
type Holder = z.infer<typeof holderSchema>;

const FILE = /^uids-(\d+)-(\d+)\.lock$/;

/** Where ranges are registered: host-wide for root, per user otherwise. */
export function defaultUidLockDir(): string {
  const uid = process.getuid?.() ?? 0;
  if (uid === 0) return '/run/hangar';
  return join(process.env.XDG_RUNTIME_DIR ?? tmpdir(), `hangar-${uid}`);
}

/**
 * Registers `range` for this process, or throws UidRangeInUseError naming a
 * live server's overlapping range. Two servers starting at the same moment
 * with overlapping ranges may both be refused; neither runs with a shared uid.
 */
export async function lockUidRange(range: UidRange, dir = defaultUidLockDir()): Promise<UidRangeLock> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const owner = (await stat(dir)).uid;
  if (owner !== (process.getuid?.() ?? owner))
    throw new Error(`the uid lock directory ${dir} belongs to uid ${owner}, not to this server's user`);
  const self = await processRef(process.pid);
  if (!self) throw new Error('cannot read this process in /proc');
  const me: Holder = { ...self, ...range };
  const path = join(dir, `uids-${range.base}-${range.base + range.count - 1}.lock`);
  await claim(path, me);
  try {
    for (const name of await readdir(dir)) {
      const match = FILE.exec(name);
      if (!match || join(dir, name) === path) continue;
      const [first, last] = [Number(match[1]), Number(match[2])];
      if (last < range.base || first > range.base + range.count - 1) continue;
      const other = await liveHolder(join(dir, name));
      if (other) throw new UidRangeInUseError(range, other);
    }
  } catch (error) {
    await unlink(path).catch(() => undefined);
    throw error;
  }
  // Also on an exit that skips release() (process.exit after a fatal error, say).
  const onExit = () => {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  };
  process.once('exit', onExit);
  return {
    path,
    release: async () => {
      process.removeListener('exit', onExit);
      const holder = await readHolder(path);
      if (holder?.pid === me.pid && holder.startTime === me.startTime)
        await unlink(path).catch(() => undefined);
    },
  };
}

/** Creates the file for `me` with its whole content at once (link of a written file); replaces a dead holder's. */
async function claim(path: string, me: Holder): Promise<void> {
  const temporary = `${path}.${me.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(me)}\n`, { mode: 0o644 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await link(temporary, path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
      }
      const other = await liveHolder(path);
      if (other) throw new UidRangeInUseError(me, other);
    }
  } finally {
    await unlink(temporary).catch(() => undefined);
  }
}

/** The holder of a registration file if that process still runs; removes the file of one that is gone. */
async function liveHolder(path: string): Promise<Holder | undefined> {
  const holder = await readHolder(path);
  const ref: ProcessRef | undefined = holder && { pid: holder.pid, startTime: holder.startTime };
  if (holder && ref && (await isAlive(ref))) return holder;
  await unlink(path).catch(() => undefined);
  return undefined;
}

async function readHolder(path: string): Promise<Holder | undefined> {
  try {
    const parsed = holderSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function describe(range: UidRange): string {
  return `${range.base}-${range.base + range.count - 1}`;
}
