import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { promisify } from 'node:util';
import type { SandboxSpec } from '../driver.js';
import { findProgram, HOST_PATH } from './tools.js';

const run = promisify(execFile);

/**
 * How the sandbox's user namespace gets its id maps, by what the server may do:
 *
 * - `root`: the server runs as root. bwrap runs as the spec's uid and maps
 *   the ids itself (nothing to write, no process of the server's between):
 *   its own uid to 0 in a first user namespace, where it mounts the devpts,
 *   then (`--disable-userns`) sets user.max_user_namespaces to 1 there and
 *   creates a second one inside it, where the sandbox runs with only the
 *   spec's ids mapped (to the same host ids, through the first). The limit of
 *   the first is used up by the second, and nothing in the second holds a
 *   capability in the first to raise it: no nested user namespace.
 * - `subordinate-ids`: a non-root server with ranges in /etc/subuid and
 *   /etc/subgid, and newuidmap/newgidmap (package uidmap), as rootless
 *   podman needs. The spec's ids map to the server's own, uid 0 inside to the
 *   first subordinate id.
 * - `single-id`: a non-root server without them. Only the server's own ids
 *   can be mapped (to the spec's); with no uid 0 inside, the sandbox cannot
 *   mount a devpts of its own, so programs inside cannot open terminals
 *   (tmux), and joining processes keep a full (unusable) bounding set.
 *
 * In the first two, uid 0 exists (in `root`, in the first namespace only)
 * so that bwrap can mount the devpts; nothing runs as it. A joining process
 * holds every capability in the sandbox's namespace when it joins, so it
 * can drop its bounding set before it becomes the sandbox user (enter.ts).
 */
export type IdMode = 'root' | 'subordinate-ids' | 'single-id';

export interface IdMapper {
  mode: IdMode;
  /**
   * Writes the maps of the user namespace of bwrap's child `pid` (`subordinate-ids`; absent where bwrap
   * maps them itself). After it, the driver forbids nested user namespaces in it (launch.ts).
   */
  write?(pid: number, spec: SandboxSpec): Promise<void>;
}

export function idMapper(): IdMapper {
  if (process.getuid?.() === 0) return { mode: 'root' };
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
