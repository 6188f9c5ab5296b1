import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { GitHttpServer } from './git-http-server.js';
import type { TestClient } from './server.js';

/*
 * A code host for git API tests, as a workspace reaches one: git runs inside
 * the sandbox (network `full`), which reaches the host only through its own
 * address (never its loopback), over HTTPS with a test CA the repository trusts.
 */

/** The host's first non-loopback IPv4 address, which a sandbox with network `full` reaches. */
export function hostAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
}

/** Where a workspace keeps the test CA (its own home: the sandbox sees it). */
export const SANDBOX_CA = '/home/hangar/test-ca.pem';

/** A git smart-HTTPS server on the host's address, with a self-signed certificate for that address. */
export async function startHttpsGitServer(
  root: string,
  tokens: Set<string>,
  address: string,
): Promise<{ server: GitHttpServer; cert: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-test-ca-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=hangar-test-git',
      '-addext',
      `subjectAltName=IP:${address}`,
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'pipe' },
  );
  const key = readFileSync(join(dir, 'key.pem'), 'utf8');
  const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  rmSync(dir, { recursive: true, force: true });
  const server = await new GitHttpServer(root, tokens, { address, tls: { key, cert } }).start();
  return { server, cert };
}

/**
 * Clones `url` into an empty workspace from inside its sandbox, trusting the
 * test CA for that repository (its own config, as a user would set it).
 */
export async function cloneInside(client: TestClient, id: string, url: string, cert: string) {
  const script = `set -e
printf '%s' "$CA" > ${SANDBOX_CA}
git clone -q -c http.sslCAInfo=${SANDBOX_CA} -- "$URL" .`;
  const res = await client.post(`/api/workspaces/${id}/exec`, {
    command: ['/bin/sh', '-c', script],
    env: { CA: cert, URL: url },
    timeoutMs: 60_000,
  });
  expect(res.status).toBe(200);
  expect(res.body.exitCode, res.body.stderr).toBe(0);
}
