import { hostname } from 'node:os';
import { apiTokenList, authStatus, createdToken, me, okResponse, type Me } from '@hangar/protocol';
import type { Command } from 'commander';
import { ApiClient } from '../client/api.js';
import {
  credentialsPath,
  normaliseUrl,
  readCredentials,
  removeCredentials,
  writeCredentials,
} from '../client/credentials.js';
import { CliError, EXIT } from '../client/errors.js';
import { ask, LineReader, readSecret } from '../ui/prompt.js';
import { err, out } from '../ui/style.js';
import { printJson } from '../ui/table.js';
import { apiClient, command, JSON_OPTION } from './common.js';

interface LoginOptions {
  username?: string;
  token?: string;
  name?: string;
  expiresInDays?: string;
}

export function authCommands(): Command[] {
  const login = command(
    'login',
    'Log in to a Hangar server: asks for your password (not echoed) and stores an API token',
    [
      'hangar login http://127.0.0.1:7700              # asks for username and password',
      'hangar login https://hangar.example.com -u ada',
      'printf "%s\\n" "$PASSWORD" | hangar login URL -u ada   # password from standard input',
      'hangar login URL --token "$HANGAR_TOKEN"          # a token made in the web app',
    ],
  )
    .argument('[url]', 'the server (default: HANGAR_URL, or the last server you logged in to)')
    .option('-u, --username <name>', 'your username (asked when omitted)')
    .option('--token <token>', 'log in with an existing API token instead of a password')
    .option('--name <name>', 'name of the API token to create', `hangar CLI on ${hostname()}`)
    .option('--expires-in-days <days>', 'days until the token expires (default: never)')
    .action((url: string | undefined, options: LoginOptions) => runLogin(url, options));

  const logout = command('logout', 'Revoke the stored API token and forget it', ['hangar logout']).action(
    runLogout,
  );

  const whoami = command('whoami', 'Show who you are logged in as, and where', [
    'hangar whoami',
    'hangar whoami --json | jq -r .user.username',
  ])
    .option(...JSON_OPTION)
    .action(async (options: { json?: boolean }) => {
      const client = apiClient();
      const who = await client.get('/api/me', me);
      if (options.json) return printJson({ url: client.url, ...who });
      const auth = who.authMode === 'none' ? ' (authentication is off)' : '';
      process.stdout.write(`${out.bold(who.user.username)} (${who.user.role}) on ${client.url}${auth}\n`);
    });

  return [login, logout, whoami];
}

async function runLogin(urlArgument: string | undefined, options: LoginOptions): Promise<void> {
  const given = urlArgument ?? process.env.HANGAR_URL ?? readCredentials()?.url;
  if (!given) throw new CliError('name the server: hangar login URL', EXIT.usage);
  const url = normaliseUrl(given);
  const anonymous = new ApiClient({ url, token: undefined, source: 'login' });
  const status = await anonymous.get('/api/auth/status', authStatus);

  if (status.authMode === 'none') {
    writeCredentials({ url });
    process.stderr.write(`Authentication is off on ${url}: no password needed. Saved ${credentialsPath()}\n`);
    return;
  }
  if (status.setupRequired)
    throw new CliError(
      `${url} has no admin yet: open the setup link that \`hangar serve\` printed, then log in`,
      EXIT.conflict,
    );

  let token: string;
  let tokenId: string | undefined;
  let who: Me;
  if (options.token !== undefined) {
    token = options.token.trim();
    const client = new ApiClient({ url, token, source: 'login' });
    who = await client.get('/api/me', me);
    const prefixes = (await client.get('/api/tokens', apiTokenList)).tokens.filter((t) =>
      token.startsWith(t.prefix),
    );
    tokenId = prefixes.length === 1 ? prefixes[0]!.id : undefined;
  } else {
    ({ token, tokenId, who } = await passwordLogin(anonymous, options));
  }
  writeCredentials({ url, token, ...(tokenId && { tokenId }), username: who.user.username });
  process.stderr.write(
    `${err.green('Logged in')} to ${url} as ${err.bold(who.user.username)}. Token saved in ${credentialsPath()}\n`,
  );
}

/** Password → a short-lived cookie session → an API token; the cookie session is ended at once. */
async function passwordLogin(
  anonymous: ApiClient,
  options: LoginOptions,
): Promise<{ token: string; tokenId: string; who: Me }> {
  const tty = process.stdin.isTTY === true;
  const lines = tty ? undefined : new LineReader();
  try {
    const username = options.username ?? (tty ? await ask('Username: ') : await required(lines!, 'username'));
    const password = tty ? await readSecret('Password: ') : await required(lines!, 'password');
    if (!username.trim() || !password) throw new CliError('give a username and a password', EXIT.usage);

    const origin = new URL(anonymous.url).origin;
    const response = await anonymous.send('POST', '/api/auth/login', {
      body: { username: username.trim(), password },
      headers: { origin },
    });
    const who = me.parse(await response.json());
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => c.startsWith('hangar_session='));
    if (!cookie) throw new CliError('the server accepted the password but set no session cookie');
    const withCookie = { headers: { origin, cookie } };
    try {
      const expires = options.expiresInDays === undefined ? undefined : Number(options.expiresInDays);
      if (expires !== undefined && !Number.isInteger(expires))
        throw new CliError('--expires-in-days takes a whole number of days', EXIT.usage);
      const created = await anonymous.json('POST', '/api/tokens', createdToken, {
        ...withCookie,
        body: {
          name: options.name ?? 'hangar CLI',
          ...(expires !== undefined && { expiresInDays: expires }),
        },
      });
      return { token: created.secret, tokenId: created.token.id, who };
    } finally {
      await anonymous
        .json('POST', '/api/auth/logout', okResponse, { ...withCookie, body: {} })
        .catch(() => undefined);
    }
  } finally {
    lines?.close();
  }
}

async function required(lines: LineReader, what: string): Promise<string> {
  const line = await lines.next();
  if (line === undefined)
    throw new CliError(`no ${what}: standard input ended (pipe it in, or run in a terminal)`, EXIT.usage);
  return line;
}

async function runLogout(): Promise<void> {
  const stored = readCredentials();
  if (!stored) {
    process.stderr.write('Not logged in.\n');
    return;
  }
  if (stored.token && stored.tokenId) {
    const client = new ApiClient({ url: stored.url, token: stored.token, source: 'login' });
    try {
      await client.json('DELETE', `/api/tokens/${encodeURIComponent(stored.tokenId)}`, okResponse);
    } catch (error) {
      // Already revoked or expired: nothing left to revoke. Unreachable: say so, forget it anyway.
      if (!(error instanceof CliError) || error.exitCode !== EXIT.auth)
        process.stderr.write(
          `${err.yellow('warning:')} the token was not revoked: ${(error as Error).message}\n`,
        );
    }
  }
  removeCredentials();
  const env = process.env.HANGAR_TOKEN ? ' (HANGAR_TOKEN is still set in your environment)' : '';
  process.stderr.write(`Logged out of ${stored.url}${env}\n`);
}
