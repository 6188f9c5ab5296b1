import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import {
  hangarNetwork,
  hasIpv6Loopback,
  hostListener,
  METADATA,
  tcpProbe,
  type AttemptGroupContext,
} from './escape-support.js';
import { runInSandbox } from '../../sandbox/exec.js';

/**
 * Network `full` from a sandbox that tries to change its own routing: what
 * its unprivileged processes can try, and (simulated from the host, as root
 * in the sandbox's network namespace) what a process that got root inside
 * could do: route_localnet, a policy route sending 127.0.0.0/8 out through
 * the sandbox's gateway, blackholes removed. The host's loopback, the
 * metadata service and the template's blockedNetworks stay out of reach.
 */
export function runNetworkAttempts(ctx: AttemptGroupContext): void {
  const offersFull = () => ctx.driver().capabilities.networkPolicies.includes('full');
  const noFull = `${ctx.name} offers no network policy full here (bubblewrap needs slirp4netns and iproute2: apt-get install slirp4netns iproute2)`;

  it("with network full, changing its own routes and sysctls reaches neither the host's loopback nor the metadata service", async (test) => {
    ctx.isolated(test);
    if (!offersFull()) return test.skip(noFull);
    const ipv6 = hasIpv6Loopback();
    const host = await hostListener(ctx.closers, ipv6 ? '::' : '0.0.0.0');
    const spec = await ctx.started({ ...(await hangarNetwork(ctx)), network: 'full' });
    const changes = [
      'ip route del blackhole 169.254.0.0/16',
      `ip route replace ${METADATA} via 10.0.2.2`,
      'ip route add 127.0.0.0/8 via 10.0.2.2 table 100',
      'ip rule add to 127.0.0.0/8 lookup 100 pref 10',
      'ip rule del pref 0',
      'sysctl -w net.ipv4.conf.all.route_localnet=1',
      "sh -c 'echo 1 >/proc/sys/net/ipv4/conf/all/route_localnet'",
      "sh -c 'for f in /proc/sys/net/ipv4/conf/*/route_localnet; do echo 1 >$f || exit 1; done'",
      "unshare -rn sh -c 'ip link set lo up'",
    ];
    const targets = [
      `127.0.0.1:${host.port}`,
      `127.0.0.2:${host.port}`,
      `10.0.2.2:${host.port}`,
      ...(ipv6 ? [`::1:${host.port}`] : []),
      `${METADATA}:80`,
    ];
    const result = await runInSandbox(ctx.driver(), spec, {
      command: [
        '/bin/bash',
        '-c',
        `try() { "$@" >/dev/null 2>&1 && echo "DONE $*"; }
${changes.map((line) => `try ${line}`).join('\n')}
${targets.map(tcpProbe).join('\n')}`,
      ],
      timeoutMs: 60_000,
    });
    expect(result.stdout.split('\n').filter((line) => line.startsWith('DONE'))).toEqual([]);
    expect(result.stdout).not.toContain('CONNECTED');
    expect(result.stdout.match(/^tried /gm)).toHaveLength(targets.length);
    expect(host.connections()).toBe(0);
    ctx.count(changes.length + targets.length);
  }, 90_000);

  it('with network full, root in its network namespace (simulated from the host) still reaches neither the loopback, nor link-local, nor blocked networks', async (test) => {
    ctx.isolated(test);
    if (!offersFull()) return test.skip(noFull);
    const loopback = await hostListener(ctx.closers, '127.0.0.1');
    const wide = await hostListener(ctx.closers);
    if (!wide.address) return test.skip('the host has no non-loopback IPv4 address to block');
    const spec = await ctx.started({
      ...(await hangarNetwork(ctx)),
      network: 'full',
      blockedNetworks: [`${wide.address}/32`],
    });
    if (process.getuid?.() !== 0)
      return test.skip(
        'playing root in the sandbox needs root on the host (nsenter into its network namespace)',
      );
    const pid = await ctx.sandboxPid(spec);
    if (pid === undefined)
      return test.skip(
        `the ${ctx.name} harness gives no sandboxPid to enter the sandbox's network from the host`,
      );
    const targets = [
      `127.0.0.1:${loopback.port}`,
      `127.0.0.2:${loopback.port}`,
      `${wide.address}:${wide.port}`,
      `${METADATA}:80`,
    ];
    const result = await asRootInNetwork(pid, `${ROOT_INSIDE}\n${targets.map(tcpProbe).join('\n')}`);
    expect(result.stdout, result.stderr).toContain('ROUTED');
    expect(result.stdout).not.toContain('CONNECTED');
    expect(result.stdout.match(/^tried /gm)).toHaveLength(targets.length);
    expect(loopback.connections()).toBe(0);
    expect(wide.connections()).toBe(0);
    ctx.count(targets.length);
  }, 90_000);
}

/**
 * As root in the sandbox's network namespace: local delivery of 127.0.0.0/8
 * turned into a route out through the sandbox's gateway, link-local and
 * blocked routes (blackholes) removed and routed out too.
 */
const ROOT_INSIDE = `set -- $(ip -4 route show default)
gw=$3 dev=$5
src=$(ip -4 -o addr show dev "$dev" | sed -n 's/.* inet \\([0-9.]*\\)\\/.*/\\1/p')
for f in /proc/sys/net/ipv4/conf/*/route_localnet; do echo 1 >"$f"; done
ip route flush type blackhole
ip route add 169.254.0.0/16 via "$gw" dev "$dev"
ip rule add pref 10 to 127.0.0.0/8 lookup 100
ip route add 127.0.0.0/8 via "$gw" dev "$dev" src "$src" table 100
ip rule del pref 0 lookup local && ip rule add pref 20 lookup local
ip route get 127.0.0.1 | grep -q " dev $dev " && echo ROUTED`;

function asRootInNetwork(pid: number, script: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('nsenter', ['--target', String(pid), '--net', '--', 'bash', '-c', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', () => resolve({ stdout, stderr }));
  });
}
