// WeTTY (the `wetty` npm package, a root devDependency), started as its CLI
// on loopback with a command of our choosing, for the terminal benchmark.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hangarEnv, startServer } from './processes.js';

/** WeTTY's --base: its page and socket.io live under this path. */
export const WETTY_BASE = '/wetty';

/**
 * @returns {{ main: string, version: string } | { skipped: string }} WeTTY's CLI entry point, or why there is none
 */
export function findWetty() {
  let entry;
  try {
    entry = fileURLToPath(import.meta.resolve('wetty'));
  } catch {
    return { skipped: 'the wetty package is not installed (run `npm install`)' };
  }
  const root = path.resolve(path.dirname(entry), '..');
  /** @type {unknown} */
  const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const version =
    manifest && typeof manifest === 'object' && 'version' in manifest ? String(manifest.version) : '?';
  return { main: path.join(root, 'build/main.js'), version };
}

/**
 * Starts WeTTY on 127.0.0.1 running `commandFile` for every connection.
 * WeTTY runs it as `/usr/bin/env -S <commandFile>` in a PTY (it does so for
 * `--command` when it runs as root and its ssh host is localhost).
 * @param {string} main           WeTTY's CLI entry point
 * @param {string} commandFile    an executable file, no arguments
 * @param {number} timeoutMs
 */
export async function startWetty(main, commandFile, timeoutMs) {
  const port = await freePort();
  return startServer({
    command: process.execPath,
    args: [
      main,
      ...['--host', '127.0.0.1', '--port', String(port), '--base', `${WETTY_BASE}/`],
      ...['--command', commandFile, '--log-level', 'warn'],
    ],
    env: hangarEnv({ NODE_ENV: 'production' }),
    url: new URL(`http://127.0.0.1:${port}`),
    // The socket.io handshake: answers once WeTTY listens; starts no terminal.
    readyPath: `${WETTY_BASE}/socket.io/?EIO=4&transport=polling`,
    timeoutMs,
  });
}

/**
 * Writes a script that runs the host command with exactly its environment
 * (`env -i`) and working directory, for programs that take a command line
 * rather than a file, arguments and environment (WeTTY's --command).
 * @param {string} file
 * @param {import('./sandbox-command.js').HostCommand} host
 */
export function writeCommandScript(file, host) {
  const quote = (/** @type {string} */ s) => `'${s.replaceAll("'", `'\\''`)}'`;
  const env = Object.entries(host.env).map(([name, value]) => `${name}=${quote(value)}`);
  const lines = [
    '#!/bin/sh',
    `cd ${quote(host.cwd ?? '/')} || exit 126`,
    ['exec', 'env', '-i', ...env, quote(host.file), ...host.args.map(quote)].join(' '),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o700 });
  chmodSync(file, 0o700);
}

/** @returns {Promise<number>} a TCP port on 127.0.0.1 that was free a moment ago */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = address && typeof address === 'object' ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
