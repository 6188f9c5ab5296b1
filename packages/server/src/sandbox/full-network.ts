import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import { blockRoutes } from './blocked-routes.js';
import type { SandboxSpec } from './driver.js';
import { closingDescriptors } from './descriptors.js';
import { processRef, signal, type ProcessRef } from './bubblewrap/proc.js';
import { findProgram, HOST_PATH } from './bubblewrap/tools.js';

/**
 * Network `full` for a sandbox (bubblewrap, podman): the sandbox keeps its own network
 * namespace, and slirp4netns (user-mode TCP/IP, as rootless podman uses)
 * gives it a tap device whose traffic leaves as ordinary sockets. So the
 * sandbox reaches what the host reaches on the network, but not the host's
 * loopback (the server, its database, anything bound to 127.0.0.1), nor
 * link-local addresses or the template's blockedNetworks.
 *
 * libslirp connects to whatever address a packet names, 127.0.0.1 included:
 * only the sandbox's own routing keeps such packets off its tap device, and a
 * process that got CAP_NET_ADMIN inside (route_localnet and a policy route)
 * would reach the host's loopback. So the sandbox's slirp4netns (`inner`)
 * does not run in the host's network namespace but in an egress namespace of
 * its own, whose loopback is down and holds nothing, and which reaches the
 * host's network through a second slirp4netns (`egress`). Nothing of the
 * sandbox can enter or configure the egress namespace, so its routes (the
 * blocked ones too) hold whatever the sandbox does to its own.
 */

/** slirp4netns's built-in DNS forwarder, as --configure sets it up. */
export const FULL_NETWORK_RESOLV_CONF = '# Hangar sandbox, network full (slirp4netns)\nnameserver 10.0.2.3\n';
const READY_TIMEOUT_MS = 10_000;
/** slirp4netns's ready fd, in its stdio. */
const READY_FD = 3;

export interface NetworkTools {
  slirp4netns: string;
  /** Closes inherited descriptors before slirp4netns runs (see descriptors.ts). */
  perl: string;
}

/** The programs network `full` needs (slirp4netns, and ip for blockRoutes()), or what to install. */
export function findNetworkTools(): { tools: NetworkTools } | { missing: string } {
  const slirp4netns = findProgram('slirp4netns');
  const ip = findProgram('ip');
  const perl = findProgram('perl');
  if (slirp4netns && ip && perl) return { tools: { slirp4netns, perl } };
  const packages = [...(slirp4netns ? [] : ['slirp4netns']), ...(ip ? [] : ['iproute2'])];
  return { missing: `install ${packages.join(', ')} (apt-get install ${packages.join(' ')})` };
}

/** The egress namespace's network (slirp4netns --cidr), apart from the sandbox's 10.0.2.0/24. */
const EGRESS_CIDR = '10.0.3.0/24';
/** In the egress namespace, the inner slirp4netns resolves through the egress one's DNS forwarder. */
const EGRESS_RESOLV_CONF = '# Hangar egress namespace (slirp4netns)\nnameserver 10.0.3.3\n';
/** Runs the rest with the file $0 bound over /etc/resolv.conf (in a mount namespace of its own). */
const RESOLV_SCRIPT = 'mount --bind -- "$0" /etc/resolv.conf && exec "$@"';

export interface FullNetwork {
  /** The sandbox's slirp4netns, in the egress namespace (holds it). */
  network: ProcessRef;
  /** The egress namespace's slirp4netns, in the host's network namespace. */
  egress: ProcessRef;
}

/**
 * Gives the sandbox whose pid-namespace init is `initPid` its network: starts
 * the inner slirp4netns in a new egress namespace, then the egress one for
 * that namespace, each in its own session (they outlive a server restart,
 * like the sandbox), then blocks BLOCKED_ROUTES and the spec's
 * blockedNetworks in both namespaces. The caller ends both with the sandbox.
 */
export async function startFullNetwork(
  tools: NetworkTools,
  initPid: number,
  spec: Pick<SandboxSpec, 'stateDir' | 'blockedNetworks'>,
): Promise<FullNetwork> {
  const { stateDir } = spec;
  const asRoot = process.getuid?.() === 0;
  const resolv = join(stateDir, 'egress-resolv.conf');
  await writeFile(resolv, EGRESS_RESOLV_CONF, { mode: 0o644 });
  const started: ProcessRef[] = [];
  try {
    // An unprivileged server makes the egress namespace from the sandbox's user namespace, which it owns,
    // as uid 0 there (mapped to its first subordinate id), which keeps its capabilities across exec.
    // prettier-ignore
    const network = await startSlirp(tools, 'slirp4netns.log', stateDir, [
      ...(asRoot ? [] : ['nsenter', `--target=${initPid}`, '--user', '--']),
      'unshare', '--net', '--mount', '--propagation=private', '--',
      'sh', '-c', RESOLV_SCRIPT, resolv,
      tools.slirp4netns, ...SLIRP_OPTIONS, '--disable-host-loopback',
      '--netns-type=path', `/proc/${initPid}/ns/net`, 'tap0',
    ]);
    started.push(network);
    // prettier-ignore
    const egress = await startSlirp(tools, 'slirp4netns-egress.log', stateDir, [
      tools.slirp4netns, ...SLIRP_OPTIONS, `--cidr=${EGRESS_CIDR}`, '--disable-host-loopback',
      ...(asRoot ? [] : [`--userns-path=/proc/${network.pid}/ns/user`]),
      '--netns-type=path', `/proc/${network.pid}/ns/net`, 'tap0',
    ]);
    started.push(egress);
    await blockRoutes(initPid, spec.blockedNetworks);
    await blockRoutes(network.pid, spec.blockedNetworks);
    return { network, egress };
  } catch (error) {
    for (const ref of started) signal(ref.pid, 'SIGKILL');
    throw new Error(`network full: ${(error as Error).message}`, { cause: error });
  }
}

const SLIRP_OPTIONS = [
  '--configure',
  '--mtu=65520',
  '--enable-sandbox',
  '--enable-seccomp',
  `--ready-fd=${READY_FD}`,
];

/** Starts a slirp4netns (`command` ends with it) detached, logging to `logName`, and waits until it is ready. */
async function startSlirp(
  tools: NetworkTools,
  logName: string,
  stateDir: string,
  command: string[],
): Promise<ProcessRef> {
  const log = openSync(join(stateDir, logName), 'w', 0o600);
  const [file, ...args] = closingDescriptors(tools.perl, [READY_FD], command);
  const child = spawn(file!, args, {
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
        fail(new Error(`slirp4netns exited (${sig ?? code}); see ${logName}`)),
      );
    });
    const ref = child.pid === undefined ? undefined : await processRef(child.pid);
    if (!ref) throw new Error('slirp4netns ended right after it started');
    return ref;
  } catch (error) {
    if (child.pid !== undefined) signal(child.pid, 'SIGKILL');
    throw error;
  } finally {
    if (ready instanceof Duplex) ready.destroy();
    child.removeAllListeners('exit');
    child.unref();
  }
}
