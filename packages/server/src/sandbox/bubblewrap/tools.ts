import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { join } from 'node:path';

/** The PATH of every host process the driver starts (nothing of the server's environment is passed on). */
export const HOST_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host programs the driver runs, by absolute path. */
export interface Tools {
  bwrap: string;
  nsenter: string;
  setpriv: string;
  unshare: string;
  mount: string;
  socat: string;
  sh: string;
  /** Loads the sandbox's seccomp filter (see ../seccomp.ts). */
  perl: string;
}

const PACKAGES: Record<keyof Tools, string> = {
  bwrap: 'bubblewrap',
  nsenter: 'util-linux',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  mount: 'mount',
  socat: 'socat',
  sh: 'dash',
  perl: 'perl-base',
};

/**
 * Paths inside the sandbox are the host's (the sandbox binds /usr read-only),
 * so these programs also run inside: the shell (init and exec wrapper), setpriv,
 * socat (the hangar network forwarder) and perl (the seccomp loader).
 */
export function findTools(): { tools: Tools; missing: (keyof Tools)[] } {
  const missing: (keyof Tools)[] = [];
  const locate = (name: keyof Tools): string => {
    const found = findProgram(name);
    if (!found) missing.push(name);
    return found ?? name;
  };
  const tools: Tools = {
    bwrap: locate('bwrap'),
    nsenter: locate('nsenter'),
    setpriv: locate('setpriv'),
    unshare: locate('unshare'),
    mount: locate('mount'),
    socat: locate('socat'),
    sh: locate('sh'),
    perl: locate('perl'),
  };
  return { tools, missing };
}

/** What to install for the missing programs, e.g. "install bubblewrap (apt-get install bubblewrap)". */
export function installHint(missing: (keyof Tools)[]): string {
  const packages = [...new Set(missing.map((name) => PACKAGES[name]))];
  return `install ${packages.join(', ')} (apt-get install ${packages.join(' ')})`;
}

/** The absolute path of a program on HOST_PATH, or undefined. */
export function findProgram(name: string): string | undefined {
  return HOST_PATH.split(':')
    .map((dir) => join(dir, name))
    .find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a throwaway sandbox the way the driver does (bwrap as an
 * unprivileged uid, in a new user namespace) and resolves to why it failed,
 * or undefined. Catches kernels or security modules that forbid
 * unprivileged user namespaces.
 */
export function probeSandbox(tools: Tools, asRoot: boolean, overflowId: number): Promise<string | undefined> {
  // --perms and --size (bwrap 0.7+) and, as root, --disable-userns (0.8+) are the newest options the driver uses.
  // prettier-ignore
  const bwrap = [
    tools.bwrap, '--unshare-all', '--ro-bind', '/', '/', '--proc', '/proc', '--dev', '/dev',
    // As root, the driver's bwrap forbids nested user namespaces itself (bwrap 0.8+, see idmap.ts).
    ...(asRoot ? ['--unshare-user', '--disable-userns'] : []),
    '--perms', '1777', '--size', '1048576', '--tmpfs', '/tmp', '--', 'true',
  ];
  const asNobody = ['--reuid', String(overflowId), '--regid', String(overflowId), '--clear-groups', '--'];
  const [file, ...args] = asRoot ? [tools.setpriv, ...asNobody, ...bwrap] : bwrap;
  return new Promise((resolve) => {
    execFile(file!, args, { env: { PATH: HOST_PATH }, timeout: 10_000 }, (error, _stdout, stderr) => {
      if (!error) return resolve(undefined);
      const detail = stderr.trim() || error.message;
      resolve(`bwrap cannot create a sandbox on this machine: ${detail}`);
    });
  });
}
