import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { z } from 'zod';

/** A SQLite database that another live Hangar server already serves. */
export class DatabaseInUseError extends Error {
  constructor(path: string, holder: Holder) {
    super(
      `The SQLite database ${path} is served by another Hangar server (replica ${holder.replica}, ` +
        `pid ${holder.pid} on ${holder.host}, since ${holder.since}). SQLite serves one process only: ` +
        `stop that server first, or run several replicas on PostgreSQL (HANGAR_DATABASE_URL=postgres://…, ` +
        `the same HANGAR_SECRET_KEY_FILE on each, and a HANGAR_REPLICA_ID of its own). ` +
        `If that server is gone from ${holder.host}, remove ${path}.lock.`,
    );
    this.name = 'DatabaseInUseError';
  }
}

const holderSchema = z.object({
  replica: z.string(),
  pid: z.number().int().positive(),
  /** The process's start time (field 22 of /proc/<pid>/stat), so a reused pid is told apart. */
  started: z.string(),
  host: z.string(),
  since: z.string(),
});
type Holder = z.infer<typeof holderSchema>;

export interface DatabaseLock {
  release(): void;
}

/**
 * Claims a SQLite database for this process: `<database>.lock` holds the replica, pid, its start
 * time and host. SQLite is the single-process embedded store; a second server on the same file
 * (through the same data dir, or another one with the same HANGAR_DATABASE_URL) is refused with
 * DatabaseInUseError, as is a second server in this same process. The lock of a process that is
 * gone (killed, crashed) is replaced. Tools that only read or seed the database (e2e/support)
 * open it without this lock; SQLite's own locking keeps their writes consistent.
 */
export function lockSqliteDatabase(path: string, replica: string): DatabaseLock {
  const lockPath = `${path}.lock`;
  const me: Holder = {
    replica,
    pid: process.pid,
    started: startTime(process.pid) ?? '',
    host: hostname(),
    since: new Date().toISOString(),
  };
  const temporary = `${lockPath}.${process.pid}.${Math.random().toString(36).slice(2)}`;
  writeFileSync(temporary, `${JSON.stringify(me)}\n`, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, lockPath); // whole content at once, and never over another's file
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw error;
        const holder = readHolder(lockPath);
        if (holder && isAlive(holder)) throw new DatabaseInUseError(path, holder);
        unlinkSync(lockPath); // a dead server's (or unreadable) lock
      }
    }
  } finally {
    unlinkSync(temporary);
  }
  const release = () => {
    const holder = readHolder(lockPath);
    if (holder?.pid === me.pid && holder.since === me.since && holder.replica === me.replica) {
      try {
        unlinkSync(lockPath);
      } catch {
        // already gone
      }
    }
  };
  process.once('exit', release);
  return {
    release: () => {
      process.removeListener('exit', release);
      release();
    },
  };
}

/** Undefined when the file is gone or unreadable (it then blocks nothing). */
function readHolder(path: string): Holder | undefined {
  try {
    return holderSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return undefined;
  }
}

/** Another host's holder cannot be checked: it counts as alive (the message says how to clear it). */
function isAlive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = procStat(holder.pid);
  if (!stat) return true; // no /proc to ask: alive as far as is known
  // A zombie (killed, not yet reaped by its parent) serves nothing; a reused pid started later.
  return (
    stat.state !== 'Z' && stat.state !== 'X' && (holder.started === '' || stat.started === holder.started)
  );
}

function startTime(pid: number): string | undefined {
  return procStat(pid)?.started;
}

function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0] ?? '', started: fields[19] ?? '' };
  } catch {
    return undefined;
  }
}
