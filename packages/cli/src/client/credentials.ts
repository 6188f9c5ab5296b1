import {
  chmodSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { CliError, EXIT } from './errors.js';

/** What `hangar login` stores: one server and an API token for it. */
const storedCredentials = z.object({
  url: z.string().url(),
  /** Absent for a server with authentication off. */
  token: z.string().min(1).optional(),
  /** The token's id, so `hangar logout` can revoke it. */
  tokenId: z.string().optional(),
  username: z.string().optional(),
});
export type StoredCredentials = z.infer<typeof storedCredentials>;

/** $XDG_CONFIG_HOME/hangar/credentials.json (~/.config/hangar on Linux). */
export function credentialsPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME
    ? join(env.XDG_CONFIG_HOME, 'hangar')
    : envPaths('hangar', { suffix: '' }).config;
  return join(base, 'credentials.json');
}

export function readCredentials(path = credentialsPath()): StoredCredentials | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = storedCredentials.safeParse(json);
  if (!parsed.success)
    throw new CliError(`${path} is damaged: run \`hangar logout\` and log in again`, EXIT.auth);
  return parsed.data;
}

/** Writes the file readable by its owner only (0600, in a 0700 directory), replacing it atomically. */
export function writeCredentials(credentials: StoredCredentials, path = credentialsPath()): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify(credentials, null, 2)}\n`);
  } finally {
    closeSync(fd);
  }
  chmodSync(temp, 0o600); // whatever the umask
  renameSync(temp, path);
}

export function removeCredentials(path = credentialsPath()): void {
  rmSync(path, { force: true });
}

/** The server and token a command uses: HANGAR_URL and HANGAR_TOKEN first, then the stored login. */
export interface Target {
  url: string;
  token: string | undefined;
  /** Where the URL came from, for messages. */
  source: 'HANGAR_URL' | 'login';
}

export function resolveTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const stored = readCredentials(credentialsPath(env));
  const envUrl = env.HANGAR_URL?.trim();
  if (envUrl) {
    const url = normaliseUrl(envUrl);
    const token = env.HANGAR_TOKEN?.trim() || (stored?.url === url ? stored.token : undefined);
    return { url, token, source: 'HANGAR_URL' };
  }
  if (!stored)
    throw new CliError(
      'not logged in: run `hangar login URL` (or set HANGAR_URL and HANGAR_TOKEN)',
      EXIT.auth,
    );
  return { url: stored.url, token: env.HANGAR_TOKEN?.trim() || stored.token, source: 'login' };
}

/** "localhost:7700" → "http://localhost:7700"; no trailing slash. */
export function normaliseUrl(input: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(input) ? input : `http://${input}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(
      `"${input}" is not a URL: give the server's address, e.g. http://127.0.0.1:7700`,
      EXIT.usage,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new CliError(`"${input}": use an http:// or https:// address`, EXIT.usage);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
