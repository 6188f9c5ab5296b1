import { FULL_NETWORK_RESOLV_CONF } from '../full-network.js';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SANDBOX_HOME, SANDBOX_USER, type SandboxSpec } from '../driver.js';

/** Files the driver writes into the sandbox's state dir and mounts read-only inside. */
export interface SandboxFiles {
  passwd: string;
  group: string;
  /** resolv.conf: one that fails fast without a network; slirp4netns's forwarder with network full. */
  resolvConf: string;
}

/**
 * With no network, a resolver that fails at once: queries go to 127.0.0.1:53,
 * where nothing listens. Measured: tools otherwise wait ~5 s on DNS per run.
 */
const OFFLINE_RESOLV_CONF = 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n';

/** Used when the root file system's own files cannot be read (an image). */
const BASE_PASSWD =
  'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n';
const BASE_GROUP = 'root:x:0:\nnogroup:x:65534:\n';

/**
 * Writes /etc/passwd and /etc/group with the workspace's user `hangar` (so
 * whoami, ssh and git know it), and resolv.conf: offline, or slirp4netns's DNS with network full.
 */
export async function writeSandboxFiles(spec: SandboxSpec): Promise<SandboxFiles> {
  const files: SandboxFiles = {
    passwd: join(spec.stateDir, 'passwd'),
    group: join(spec.stateDir, 'group'),
    resolvConf: join(spec.stateDir, 'resolv.conf'),
  };
  const shell = spec.env.SHELL ?? '/bin/sh';
  const basePasswd = spec.rootfs ? await readOr(join(spec.rootfs, 'etc/passwd'), BASE_PASSWD) : BASE_PASSWD;
  const baseGroup = spec.rootfs ? await readOr(join(spec.rootfs, 'etc/group'), BASE_GROUP) : BASE_GROUP;
  const passwd = withEntry(
    basePasswd,
    spec.uid,
    `${SANDBOX_USER}:x:${spec.uid}:${spec.gid}:Hangar:${SANDBOX_HOME}:${shell}`,
  );
  const group = withEntry(baseGroup, spec.gid, `${SANDBOX_USER}:x:${spec.gid}:`);
  await Promise.all([
    writeFile(files.passwd, passwd, { mode: 0o644 }),
    writeFile(files.group, group, { mode: 0o644 }),
    writeFile(files.resolvConf, spec.network === 'full' ? FULL_NETWORK_RESOLV_CONF : OFFLINE_RESOLV_CONF, {
      mode: 0o644,
    }),
  ]);
  return files;
}

/** The file's lines minus any entry named `hangar` or with the same id (third field), plus `entry`. */
function withEntry(base: string, id: number, entry: string): string {
  const kept = base
    .split('\n')
    .filter((line) => line.trim() !== '')
    .filter((line) => {
      const fields = line.split(':');
      return fields[0] !== SANDBOX_USER && fields[2] !== String(id);
    });
  return [...kept, entry].join('\n') + '\n';
}

async function readOr(path: string, fallback: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return fallback;
  }
}
