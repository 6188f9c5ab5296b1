import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { blockRoutes } from '../blocked-routes.js';
import type { SandboxSpec } from '../driver.js';
import { processRef, signal, type ProcessRef } from './proc.js';
import { findProgram, HOST_PATH } from './tools.js';

/**
 * Network `full` for a bubblewrap sandbox: the sandbox keeps its own network
 * namespace, and slirp4netns (user-mode TCP/IP, as rootless podman uses)
 * gives it a tap device whose traffic leaves from the host as ordinary
 * sockets. So the sandbox reaches what the host reaches on the network, but
 * not the host's loopback (the server, its database, anything bound to
 * 127.0.0.1), nor link-local addresses (blocked-routes.ts).
 */

/** slirp4netns's built-in DNS forwarder, as --configure sets it up. */
export const FULL_NETWORK_RESOLV_CONF = '# Hangar sandbox, network full (slirp4netns)\nnameserver 10.0.2.3\n';
const READY_TIMEOUT_MS = 10_000;
/** slirp4netns's ready fd, in its stdio. */
const READY_FD = 3;

export interface NetworkTools {
  slirp4netns: string;
}

/** The programs network `full` needs (slirp4netns, and ip for blockRoutes()), or what to install. */
export function findNetworkTools(): { tools: NetworkTools } | { missing: string } {
  const slirp4netns = findProgram('slirp4netns');
  const ip = findProgram('ip');
  if (slirp4netns && ip) return { tools: { slirp4netns } };
  const packages = [...(slirp4netns ? [] : ['slirp4netns']), ...(ip ? [] : ['iproute2'])];
  return { missing: `install ${packages.join(', ')} (apt-get install ${packages.join(' ')})` };
}

/**
 * Gives the sandbox whose pid-namespace init is `initPid` its network: starts
 * slirp4netns in its own session (it outlives a server restart, like the
 * sandbox), waits until the tap device is up, then blocks BLOCKED_ROUTES and
 * the spec's blockedNetworks.
 * The caller ends the returned process with the sandbox.
 */
export async function startFullNetwork(
  tools: NetworkTools,
  initPid: number,
  spec: Pick<SandboxSpec, 'stateDir' | 'blockedNetworks'>,
): Promise<ProcessRef> {
  const { stateDir } = spec;
  const netns = `/proc/${initPid}/ns/net`;
  const log = openSync(join(stateDir, 'slirp4netns.log'), 'w', 0o600);
  const asRoot = process.getuid?.() === 0;
  // prettier-ignore
  const args = [
    '--configure', '--mtu=65520', '--disable-host-loopback',
    '--enable-sandbox', '--enable-seccomp',
    `--ready-fd=${READY_FD}`,
    // Root may enter any namespace; an unprivileged server enters through the user namespace it owns.
    ...(asRoot ? [] : [`--userns-path=/proc/${initPid}/ns/user`]),
    '--netns-type=path', netns, 'tap0',
  ];
  const child = spawn(tools.slirp4netns, args, {
    cwd: '/',
    env: { PATH: HOST_PATH },
    detached: true,
    stdio: ['ignore', log, log, 'pipe'],
  });
  closeSync(log);
  const ready = child.stdio[READY_FD];
  try {
    if (!(ready instanceof Duplex)) throw new Error('slirp4netns: no ready pipe');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('slirp4netns was not ready within 10 s')),
        READY_TIMEOUT_MS,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      ready.once('data', () => {
        clearTimeout(timer);
        resolve();
      });
      ready.once('error', fail);
      child.once('error', fail);
      child.once('exit', (code, sig) =>
        fail(new Error(`slirp4netns exited (${sig ?? code}); see slirp4netns.log`)),
      );
    });
    await blockRoutes(initPid, spec.blockedNetworks);
    const ref = child.pid === undefined ? undefined : await processRef(child.pid);
    if (!ref) throw new Error('slirp4netns ended right after it started');
    return ref;
  } catch (error) {
    if (child.pid !== undefined) signal(child.pid, 'SIGKILL');
    throw new Error(`network full: ${(error as Error).message}`, { cause: error });
  } finally {
    if (ready instanceof Duplex) ready.destroy();
    child.removeAllListeners('exit');
    child.unref();
  }
}
