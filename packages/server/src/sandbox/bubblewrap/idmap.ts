import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import type { SandboxSpec } from '../driver.js';
import { findProgram, HOST_PATH } from './tools.js';

const run = promisify(execFile);

/**
 * How the sandbox's user namespace gets its id maps, by what the server may do:
 *
 * - `root`: the server runs as root. bwrap runs as the spec's uid; the server
 *   writes the maps itself: the spec's ids to the same host ids, uid 0 inside
 *   to the kernel's overflow id (nobody).
 * - `subordinate-ids`: a non-root server with ranges in /etc/subuid and
 *   /etc/subgid, and newuidmap/newgidmap (package uidmap), as rootless
 *   podman needs. The spec's ids map to the server's own, uid 0 inside to the
 *   first subordinate id.
 * - `single-id`: a non-root server without them. Only the server's own ids
 *   can be mapped (to the spec's); with no uid 0 inside, the sandbox cannot
 *   mount a devpts of its own, so programs inside cannot open terminals
 *   (tmux), and joining processes keep a full (unusable) bounding set.
 *
 * In the first two, uid 0 inside exists so that bwrap can mount the devpts,
 * and so that a joining process may drop its bounding set before it becomes
 * the sandbox user; nothing else runs as it.
 */
export type IdMode = 'root' | 'subordinate-ids' | 'single-id';

export interface IdMapper {
  mode: IdMode;
  /** Writes the maps of the user namespace of bwrap's child `pid` (absent in `single-id`, where bwrap does). */
  write?(pid: number, spec: SandboxSpec): Promise<void>;
}

export function idMapper(overflowId: number): IdMapper {
  if (process.getuid?.() === 0) {
    return {
      mode: 'root',
      write: async (pid, spec) => {
        await writeFile(`/proc/${pid}/uid_map`, `0 ${overflowId} 1\n${spec.uid} ${spec.uid} 1\n`);
        await writeFile(`/proc/${pid}/gid_map`, `0 ${overflowId} 1\n${spec.gid} ${spec.gid} 1\n`);
      },
    };
  }
  const uid = process.getuid?.() ?? -1;
  const gid = process.getgid?.() ?? -1;
  const name = userName();
  const subuid = firstSubordinateId('/etc/subuid', name, uid);
  const subgid = firstSubordinateId('/etc/subgid', name, uid);
  const newuidmap = findProgram('newuidmap');
  const newgidmap = findProgram('newgidmap');
  if (subuid === undefined || subgid === undefined || !newuidmap || !newgidmap) return { mode: 'single-id' };
  return {
    mode: 'subordinate-ids',
    write: async (pid, spec) => {
      const env = { PATH: HOST_PATH };
      const map = (inside: number, outside: number, subordinate: number) => [
        String(pid),
        '0',
        String(subordinate),
        '1',
        String(inside),
        String(outside),
        '1',
      ];
      await run(newuidmap, map(spec.uid, uid, subuid), { env });
      await run(newgidmap, map(spec.gid, gid, subgid), { env });
    },
  };
}

/** The first id of the user's range in /etc/subuid or /etc/subgid (`name-or-id:first:count` lines). */
/** The server user's name, if the host's user database has it. */
function userName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

function firstSubordinateId(file: string, name: string | undefined, id: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [owner, first, count] = line.trim().split(':');
    if ((owner === name || owner === String(id)) && Number(count) >= 1 && Number.isInteger(Number(first))) {
      return Number(first);
    }
  }
  return undefined;
}
