/**
 * tmux inside the sandbox keeps every terminal (and whatever runs in it)
 * alive across browser disconnects and server restarts. Its socket lives in
 * the sandbox user's $HOME, which only that workspace's sandbox sees.
 */

const TMUX_DIR = '"$HOME/.hangar"';

/** Runs tmux with this workspace's socket; the shell expands $HOME inside the sandbox. */
export function tmuxCommand(args: string[]): string[] {
  return [
    '/bin/sh',
    '-c',
    `mkdir -p ${TMUX_DIR} && exec tmux -S ${TMUX_DIR}/tmux.sock "$@"`,
    'tmux',
    ...args,
  ];
}

// Server options, set with every new session: no status bar or prefix key (the
// browser is the UI), no escape delay, and the host terminal's own scrollback.
const OPTIONS = [
  ['set-option', '-g', 'status', 'off'],
  ['set-option', '-g', 'prefix', 'None'],
  ['set-option', '-g', 'escape-time', '0'],
  ['set-option', '-g', 'history-limit', '10000'],
  ['set-option', '-g', 'default-terminal', 'xterm-256color'],
  ['set-option', '-ga', 'terminal-overrides', ',xterm*:smcup@:rmcup@'],
];

/** Starts a detached session running `command` (a login shell when null) and records its exit code. */
export function newSession(id: string, command: string[] | null, cols: number, rows: number): string[] {
  const program = command ?? ['/bin/sh', '-c', 'exec "${SHELL:-/bin/sh}" -l'];
  const wrapped = [
    '/bin/sh',
    '-c',
    `"$@"; code=$?; echo $code > ${TMUX_DIR}/exit-${id}; exit $code`,
    'terminal',
    ...program,
  ];
  const chained = OPTIONS.flatMap((option) => [';', ...option]);
  return tmuxCommand([
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-s',
    id,
    '-x',
    String(cols),
    '-y',
    String(rows),
    '--',
    ...wrapped,
    ...chained,
  ]);
}

export function attachSession(id: string): string[] {
  return tmuxCommand(['attach-session', '-t', `=${id}`]);
}

export function hasSession(id: string): string[] {
  return tmuxCommand(['has-session', '-t', `=${id}`]);
}

export function killSession(id: string): string[] {
  return tmuxCommand(['kill-session', '-t', `=${id}`]);
}

/** Prints the exit code a finished session recorded, if any. */
export function readExitCode(id: string): string[] {
  return ['/bin/sh', '-c', `cat ${TMUX_DIR}/exit-${id} 2>/dev/null; rm -f ${TMUX_DIR}/exit-${id}`];
}
