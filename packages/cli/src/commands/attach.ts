import { writeSync } from 'node:fs';
import { terminal, terminalList, type Terminal } from '@hangar/protocol';
import type { Command } from 'commander';
import { CLI_VERSION } from '../version.js';
import { CliError, EXIT, exitCodeFor } from '../client/errors.js';
import { resolveWorkspace } from '../client/resolve.js';
import { DetachKeys } from '../terminal/flow.js';
import { TerminalSocket } from '../terminal/terminal-socket.js';
import { err } from '../ui/style.js';
import { apiClient, command } from './common.js';

/**
 * Written on the way out, whatever the remote program left behind: leave the
 * alternate screen, show the cursor, reset attributes, and turn off mouse
 * reporting, bracketed paste and application cursor/keypad modes.
 */
const RESTORE =
  '\x1b[?1049l\x1b[?25h\x1b[0m\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?2004l\x1b[?1l\x1b>';
const ENTER = '\x1b[?1049h\x1b[H\x1b[2J';

export function attachCommand(): Command {
  return command(
    'attach',
    'Attach this terminal to a workspace terminal (a shell in the sandbox); creates one if there is none',
    [
      'hangar attach api                # the first running terminal, or a new shell',
      'hangar attach api build          # the terminal named "build" (created if missing)',
      'hangar attach api --new',
      '',
      'Detach with Ctrl-\\ then d (the terminal keeps running). Ctrl-\\ twice sends one Ctrl-\\.',
      'Everything else, Ctrl-C included, goes to the remote terminal. Window size changes follow.',
    ],
  )
    .argument('<workspace>', 'name or id')
    .argument('[terminal]', 'terminal name or id')
    .option('--new', 'open a new terminal even if one is running')
    .action((ref: string, name: string | undefined, options: { new?: boolean }) =>
      runAttach(ref, name, options),
    );
}

async function runAttach(ref: string, name: string | undefined, options: { new?: boolean }): Promise<void> {
  const stdin = process.stdin;
  const stdout = process.stdout;
  if (!stdin.isTTY || !stdout.isTTY)
    throw new CliError(
      'attach needs a terminal: run it in an interactive shell (stdin and stdout a TTY)',
      EXIT.usage,
    );
  const client = apiClient();
  const workspace = await resolveWorkspace(client, ref);
  const size = () => ({ cols: Math.max(2, stdout.columns || 80), rows: Math.max(1, stdout.rows || 24) });
  const target = await chooseTerminal(client, workspace.id, name, options.new === true, size());

  // The size goes in a resize frame after the snapshot: the server's ?cols=&rows= query is not coerced
  // from text to numbers (it refuses any value), so it is left out.
  const socketUrl = () => {
    const url = new URL(client.resolve(`/api/workspaces/${workspace.id}/terminals/${target.id}/ws`));
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    return url.toString();
  };
  const headers: Record<string, string> = { 'user-agent': `hangar-cli/${CLI_VERSION}` };
  if (client.target.token) headers.authorization = `Bearer ${client.target.token}`;

  // From here on the local terminal is ours: every way out goes through restore().
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    try {
      stdin.setRawMode(false);
    } catch {
      // stdin already gone
    }
    writeSync(stdout.fd, RESTORE);
  };
  process.on('exit', restore);
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    process.stderr.write(`\n[${signal}: detached]\n`);
    process.exit(128 + (signal === 'SIGHUP' ? 1 : signal === 'SIGINT' ? 2 : 15));
  };
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.once(signal, onSignal);

  stdin.setRawMode(true);
  stdout.write(ENTER);

  const outcome = await new Promise<{ code: number; message: string; detached?: boolean }>((resolve) => {
    const keys = new DetachKeys();
    let readOnly = false;
    const socket = new TerminalSocket(socketUrl, headers, {
      output: (data, done) => stdout.write(data, () => done()),
      frame: (frame) => {
        if (frame.type === 'snapshot') {
          readOnly = frame.readOnly;
          stdout.write('\x1b[0m\x1b[H\x1b[2J');
          stdout.write(frame.data);
          // A terminal window cannot scroll sideways: attaching to type is "fit to me" (as tmux's
          // latest client). A watcher only says its size (the server applies what it may).
          socket.send({ type: readOnly ? 'resize' : 'fit', ...size() });
        } else if (frame.type === 'error' && !frame.fatal) {
          stdout.write('\x07'); // e.g. typing as a viewer: a bell, not a wall of text over the screen
        }
      },
      reconnecting: (reason) =>
        stdout.write(`\r\n\x1b[2m[connection lost: ${reason}; reconnecting…]\x1b[0m\r\n`),
      ended: (reason) => {
        cleanup();
        resolve(reason);
      },
    });
    const onData = (chunk: Buffer) => {
      const { send, detach } = keys.feed(chunk.toString('utf8'));
      if (send && !readOnly) socket.input(send);
      if (detach) {
        cleanup();
        resolve({ code: 0, message: 'detached', detached: true }); // before close(), whose `ended` comes second
        socket.close();
      }
    };
    const onResize = () => socket.send({ type: 'resize', ...size() });
    const cleanup = () => {
      stdin.off('data', onData);
      stdout.off('resize', onResize);
    };
    stdin.on('data', onData);
    stdout.on('resize', onResize);
    socket.open();
  });

  stdin.pause();
  restore();
  process.off('exit', restore);
  for (const signal of ['SIGTERM', 'SIGHUP', 'SIGINT'] as const) process.off(signal, onSignal);
  if (outcome.detached) {
    process.stderr.write(
      `[detached from ${target.name} in ${workspace.name}; \`hangar attach ${workspace.name} ${target.name}\` to return]\n`,
    );
    return;
  }
  if (outcome.code === 0) {
    process.stderr.write(`[${target.name} exited]\n`);
    return;
  }
  const exitCode =
    outcome.code === -1 ? EXIT.unreachable : outcome.code >= 400 ? exitCodeFor(outcome.code) : EXIT.failure;
  throw new CliError(`terminal ${target.name}: ${outcome.message}`, exitCode);
}

/** The terminal named (by name or id), the first running one, or a new shell. */
async function chooseTerminal(
  client: ReturnType<typeof apiClient>,
  workspaceId: string,
  name: string | undefined,
  fresh: boolean,
  size: { cols: number; rows: number },
): Promise<Terminal> {
  const { terminals } = await client.get(`/api/workspaces/${workspaceId}/terminals`, terminalList);
  const running = terminals.filter((t) => t.state === 'running');
  if (!fresh) {
    const found = name === undefined ? running[0] : running.find((t) => t.name === name || t.id === name);
    if (found) return found;
  }
  process.stderr.write(err.dim(`Opening a new terminal${name ? ` "${name}"` : ''}…\n`));
  return client.json('POST', `/api/workspaces/${workspaceId}/terminals`, terminal, {
    body: { ...(name && { name }), ...size },
  });
}
