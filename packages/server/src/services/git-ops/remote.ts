import { posix } from 'node:path';
import type { RemoteCredential } from './credentials.js';

/** A remote URL taken apart: where credentials may go, and the project path for a forge. */
export interface RemoteLocation {
  scheme: 'https' | 'http' | 'ssh' | 'file';
  /** `github.com`, `gitlab.example.com:8443`; empty for local paths. */
  host: string;
  /** `owner/repo` without `.git`. */
  path: string;
  /** The URL with any user and password removed, for people to see. */
  display: string;
}

export function parseRemote(url: string): RemoteLocation | undefined {
  // `<transport>::<address>` runs a remote helper (ext:: runs a command): never ours to use.
  if (/^[^/]*::/.test(url)) return undefined;
  const scp = /^(?:[^@/]+@)?([A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(url);
  if (scp && !url.includes('://')) {
    return {
      scheme: 'ssh',
      host: scp[1]!.toLowerCase(),
      path: trimPath(scp[2]!),
      display: url.replace(/^[^@/]+@/, ''),
    };
  }
  if (url.startsWith('/')) return { scheme: 'file', host: '', path: url, display: url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const scheme = parsed.protocol.slice(0, -1);
  if (scheme !== 'https' && scheme !== 'http' && scheme !== 'ssh' && scheme !== 'file') return undefined;
  parsed.username = '';
  parsed.password = '';
  return {
    scheme,
    host: parsed.host.toLowerCase(),
    path: trimPath(decodeURIComponent(parsed.pathname)),
    display: parsed.toString(),
  };
}

/**
 * Whether a remote URL is a local path (or file://) outside `roots`: such a
 * remote is another repository's config and hooks, run by the git that
 * fetches from or pushes to it. Other URLs (network remotes) are not local.
 */
export function isForeignLocalPath(url: string, roots: string[]): boolean {
  let path: string;
  if (url.startsWith('/')) path = url;
  else if (/^file:/i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return true;
    }
    // file://host/path: some other machine's path, never this workspace's.
    if (parsed.host && parsed.host !== 'localhost') return true;
    path = decodeURIComponent(parsed.pathname);
  } else return false;
  const normal = posix.normalize(path);
  return !roots.some((root) => normal === root || normal.startsWith(`${root}/`));
}

function trimPath(path: string): string {
  return path
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .replace(/\.git$/, '');
}

/**
 * Config that hands the credential to git for one call: an Authorization
 * header scoped to this exact remote URL (no setting the repository makes can
 * be more specific, and a rewritten or redirected URL does not match it).
 * It travels in the environment of that one git process (WorkspaceGitRunner),
 * never on the command line or on disk.
 */
export function credentialConfig(url: string, credential: RemoteCredential): [string, string][] {
  const basic = Buffer.from(`${credential.username}:${credential.token}`).toString('base64');
  return [
    [`http.${url}.extraHeader`, ''],
    [`http.${url}.extraHeader`, `Authorization: Basic ${basic}`],
  ];
}

/** What must never appear in output: the token and its encodings. */
export function secretsOf(credential: RemoteCredential | undefined): string[] {
  if (!credential) return [];
  const basic = Buffer.from(`${credential.username}:${credential.token}`).toString('base64');
  return [credential.token, basic, encodeURIComponent(credential.token)];
}
