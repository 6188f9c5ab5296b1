import { spawn } from 'node:child_process';

/**
 * Routed nowhere inside a sandbox with network `full`: link-local addresses,
 * among them the cloud metadata service at 169.254.169.254 (credentials of the
 * machine the server runs on). Nothing inside may change its routes: no
 * process there has CAP_NET_ADMIN.
 */
export const BLOCKED_ROUTES = ['169.254.0.0/16'] as const;

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Sets a blackhole route for each of BLOCKED_ROUTES and `more` (a template's
 * blockedNetworks) in the network namespace of `pid`, from the host
 * (util-linux's nsenter, iproute2's ip). An unprivileged server enters
 * through the user namespace it owns.
 */
export async function blockRoutes(pid: number, more: readonly string[] = []): Promise<void> {
  const enter = process.getuid?.() === 0 ? ['--net'] : ['--user', '--preserve-credentials', '--net'];
  for (const route of [...BLOCKED_ROUTES, ...more]) {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        'nsenter',
        ['--target', String(pid), ...enter, '--', 'ip', 'route', 'replace', 'blackhole', route],
        { env: { PATH }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`cannot block ${route} (${code}): ${stderr.trim()}`)),
      );
    });
  }
}
