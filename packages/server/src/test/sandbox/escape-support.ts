import { chmod, mkdtemp } from 'node:fs/promises';
import { createServer as createTcpServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'vitest';
import type { DriverModule } from '../../sandbox/child-driver.js';
import type { SandboxDriver, SandboxSpec } from '../../sandbox/driver.js';

/**
 * What every group of escape attempts gets from the suite (escape.ts), run
 * against every isolating driver by the contract (contract.ts).
 */
export interface EscapeSuiteContext {
  name: string;
  driver(): SandboxDriver;
  /** Host directory only the server may use (the sandbox's spec dirs are below it). */
  dataDir(): string;
  started(overrides?: Partial<SandboxSpec>): Promise<SandboxSpec>;
  hostUid(spec: SandboxSpec): number | undefined;
  /** The host pid of a process inside the running sandbox (for host-side checks), when the harness knows it. */
  sandboxPid(spec: SandboxSpec): Promise<number | undefined>;
  /** How a child process builds the same driver (to play a server with inherited descriptors). */
  driverModule(): DriverModule | undefined;
  closers: (() => Promise<unknown>)[];
  tag: string;
}

/** What a group of attempts adds: the shared count, and the skip of a driver that isolates nothing. */
export interface AttemptGroupContext extends EscapeSuiteContext {
  /** Counts `n` attempts as blocked; called after their assertions held. */
  count(n?: number): void;
  isolated(test: TestContext): void;
}

export const METADATA = '169.254.169.254';

/** A shell line that prints `CONNECTED addr` when a TCP connection to addr:port (IPv6 unbracketed) opens within 3 s. */
export function tcpProbe(target: string): string {
  const colon = target.lastIndexOf(':');
  const [address, port] = [target.slice(0, colon), target.slice(colon + 1)];
  return `timeout 3 bash -c 'exec 3<>/dev/tcp/${address}/${port}' 2>/dev/null && echo "CONNECTED ${address}"; echo "tried ${target}"`;
}

/**
 * A TCP server on every host address (`::` also takes IPv4 where the host has IPv6), counting
 * connections; with the host's first non-loopback IPv4 address.
 */
export async function hostListener(
  closers: (() => Promise<unknown>)[],
  bind = '0.0.0.0',
): Promise<{ address?: string; port: number; connections(): number }> {
  let connections = 0;
  const server = createTcpServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, bind, resolve);
  });
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  const port = (server.address() as { port: number }).port;
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  return { ...(address && { address }), port, connections: () => connections };
}

export async function hangarNetwork(ctx: EscapeSuiteContext): Promise<Partial<SandboxSpec>> {
  const socketDir = await mkdtemp(join(ctx.dataDir(), 'escape-run-'));
  await chmod(socketDir, 0o755);
  return { network: 'hangar', hangarSocketDir: socketDir, hangarPort: 7789 };
}

/** Whether the host has IPv6 loopback (::1) to listen on. */
export function hasIpv6Loopback(): boolean {
  return Object.values(networkInterfaces())
    .flat()
    .some((i) => i?.family === 'IPv6' && i.address === '::1');
}

/**
 * A shell script that starts `marker` (a command line such as `sleep 903.tag`) detached with
 * setsid and nohup, and ends only once that command runs as itself. Until setsid and nohup have
 * run, the child is still in the script's session, and a driver may end that session's
 * processes as soon as the script returns (podman's exec lifeline hangs them up): returning
 * earlier would race with it, and lose on a busy machine.
 */
export function detachedCommand(marker: string): string {
  return `setsid nohup ${marker} >/dev/null 2>&1 </dev/null &
while :; do
  for p in /proc/[0-9]*; do
    [ "$(tr '\\0' ' ' <"$p/cmdline" 2>/dev/null)" = '${marker} ' ] && exit 0
  done
  sleep 0.01
done`;
}
