import { lookup as dnsLookup } from 'node:dns/promises';
import { realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import { isAbsolute, relative } from 'node:path';
import type { NetworkPolicy } from '@hangar/protocol';
import { HangarError } from '../../errors.js';
import { isPrivateAddress } from '../webhooks/url-policy.js';

/*
 * What a clone URL may name. The clone runs inside the workspace's sandbox,
 * as its uid, from a network of its own (see prepare.ts); these rules come
 * first, on the server, so that a refusal is a clear 4xx at creation:
 * - file:// only under the admins' HANGAR_LOCAL_REPO_ROOTS (for everyone):
 *   the sandbox sees that one repository, read-only, and nothing else of the host.
 * - a host name or address, as for webhooks (webhooks/url-policy.ts): for a
 *   non-admin, never this machine or a private, link-local or carrier NAT
 *   network, checked on every address the name resolves to. The addresses
 *   checked are the ones git connects to (see pinnedGitConfig).
 */

export type CloneOrigin =
  | { kind: 'path'; /** Real path of the repository on the host. */ path: string }
  | {
      kind: 'remote';
      url: string;
      scheme: 'http' | 'https' | 'git' | 'ssh';
      host: string;
      port: number;
      /** What the host resolved to when checked; git connects to these only. */
      addresses: string[];
    };

export interface ClonePolicyOptions {
  /** Admins may clone from this machine and private networks, as their webhooks may reach them. */
  admin: boolean;
  localRepoRoots: readonly string[];
  /** Name resolution (tests resolve names of the outside world to a local server). */
  lookup?: (host: string) => Promise<{ address: string }[]>;
}

export const cloneErrors = {
  refused: (url: string, reason: string) => {
    const message = `Hangar will not clone "${url}": ${reason}.`;
    return new HangarError('clone_url_refused', 400, message, {
      details: [{ where: 'body', path: 'source.url', message }],
    });
  },
  needsNetwork: (template: string, reason: string) => {
    const message = `Template "${template}" cannot clone from a URL: ${reason}. Pick a template with network "hangar" or "full", or clone a repository under HANGAR_LOCAL_REPO_ROOTS (file://).`;
    return new HangarError('clone_needs_network', 400, message, {
      details: [{ where: 'body', path: 'template', message }],
    });
  },
  tooManyClones: (limit: number) =>
    new HangarError(
      'too_many_clones',
      429,
      `You have ${limit} workspaces cloning already: wait until one of them is ready (or in error), then try again.`,
      { retryAfter: 30 },
    ),
};

const DEFAULT_PORTS = { http: 80, https: 443, git: 9418, ssh: 22 } as const;
const SCHEMES = new Set(['http:', 'https:', 'git:', 'ssh:', 'git+ssh:', 'ssh+git:']);

/** Whether the clone reaches out over a network (anything but a file:// URL). */
export function isNetworkUrl(url: string): boolean {
  return !/^file:/i.test(url);
}

/** Checks a clone URL against the rules above; throws `clone_url_refused` saying why. */
export async function checkCloneUrl(url: string, options: ClonePolicyOptions): Promise<CloneOrigin> {
  const refuse = (reason: string) => cloneErrors.refused(url, reason);
  if (!isNetworkUrl(url)) return { kind: 'path', path: await allowedClonePath(url, options, refuse) };
  const parsed = parseRemote(url);
  if (!parsed) throw refuse('use an https://, http://, git://, ssh:// or user@host:path URL');
  const { scheme, host, port } = parsed;
  if (host === '' || host.startsWith('-')) throw refuse('the URL names no valid host');
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    const lookup = options.lookup ?? ((name: string) => dnsLookup(name, { all: true }));
    addresses = await lookup(host)
      .then((all) => all.map((a) => a.address))
      .catch(() => []);
    if (addresses.length === 0) throw refuse(`the host ${host} does not resolve to an address`);
  }
  if (!options.admin) {
    const named = /^(localhost|.*\.localhost)$/i.test(host.replace(/\.$/, ''));
    const refused = addresses.find((a) => isPrivateAddress(a));
    if (named || refused)
      throw refuse(
        `${host}${refused && refused !== host ? ` resolves to ${refused}, which` : ''} is a loopback, private or link-local address; only an admin can clone from this machine or a private network`,
      );
  }
  return { kind: 'remote', url, scheme, host, port, addresses };
}

function parseRemote(url: string) {
  // scp-like: [user@]host:path (what the request schema lets through: user@host:…).
  const scp = /^([\w.-]+)@([\w.-]+):(?!\/\/)/.exec(url);
  if (scp) {
    if (scp[1]!.startsWith('-')) return undefined;
    return { scheme: 'ssh' as const, host: scp[2]!, port: DEFAULT_PORTS.ssh };
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(parsed.protocol)) return undefined;
  const name = parsed.protocol.replace(':', '');
  const scheme: keyof typeof DEFAULT_PORTS = name.includes('ssh')
    ? 'ssh'
    : (name as 'http' | 'https' | 'git');
  if (parsed.username.startsWith('-')) return undefined;
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[scheme];
  return { scheme, host, port };
}

/** The real path of a file:// URL, if it lies under one of the allowed roots. */
async function allowedClonePath(
  url: string,
  options: ClonePolicyOptions,
  refuse: (reason: string) => HangarError,
): Promise<string> {
  const outside = 'a file:// URL must name a repository under the allowed roots (HANGAR_LOCAL_REPO_ROOTS)';
  // No host, no %-escapes: the path checked is the path git reads.
  const match = /^file:\/\/(\/[^%]*)$/i.exec(url);
  if (!match?.[1] || !isAbsolute(match[1])) throw refuse(outside);
  const real = await realpath(match[1]).catch(() => undefined);
  if (!real) throw refuse(`${outside}; ${match[1]} does not exist`);
  for (const root of options.localRepoRoots) {
    const realRoot = await realpath(root).catch(() => undefined);
    if (!realRoot) continue;
    const rest = relative(realRoot, real);
    if (rest === '' || (!rest.startsWith('..') && !isAbsolute(rest))) return real;
  }
  throw refuse(outside);
}

/**
 * Git config for the clone that makes git connect only to the addresses
 * checked above (a name re-pointed after the check, DNS rebinding, is not
 * followed), and the URL to give it.
 */
export function pinnedClone(origin: Extract<CloneOrigin, { kind: 'remote' }>): {
  url: string;
  config: [string, string][];
} {
  const { scheme, host, port, addresses, url } = origin;
  if (isIP(host)) return { url, config: [] };
  const literal = (a: string) => (isIP(a) === 6 ? `[${a}]` : a);
  if (scheme === 'http' || scheme === 'https') {
    return { url, config: [['http.curloptResolve', `${host}:${port}:${addresses.map(literal).join(',')}`]] };
  }
  const first = addresses[0]!;
  if (scheme === 'ssh') {
    const ssh = `ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o HostName=${first}`;
    return { url, config: [['core.sshCommand', ssh]] };
  }
  // git://: the daemon is reached by address; the host name it is sent is the checked address too.
  const rewritten = new URL(url);
  rewritten.hostname = literal(first);
  return { url: rewritten.toString(), config: [] };
}

/**
 * The network of the sandbox that fills a workspace (see prepare.ts): none
 * for a repository on this host (where the driver can enforce it), a network
 * of its own for a URL; refused when the template or its driver has none.
 */
export function cloneNetwork(
  fromUrl: boolean,
  template: { name: string; network: NetworkPolicy },
  supported: readonly NetworkPolicy[],
): NetworkPolicy {
  if (!fromUrl) return supported.includes('none') ? 'none' : template.network;
  if (template.network === 'none')
    throw cloneErrors.needsNetwork(template.name, 'its sandboxes have network "none"');
  if (!supported.includes('full'))
    throw cloneErrors.needsNetwork(
      template.name,
      'its sandbox driver cannot give a sandbox a network of its own on this server',
    );
  return 'full';
}
