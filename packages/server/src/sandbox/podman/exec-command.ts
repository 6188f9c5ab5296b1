import { SANDBOX_WORKSPACE, type ExecOptions, type HostCommand, type SandboxSpec } from '../driver.js';
import { seccompPrefix } from '../seccomp.js';
import { HOST_PATH, type PodmanCli } from './podman-cli.js';
import { containerName, envArgs } from './run-args.js';

/*
 * `podman exec` alone cannot be stopped: killing the podman client (as
 * runInSandbox does, with SIGKILL to its process group) leaves the command
 * running inside the container, and all commands share the container's pid
 * namespace, so what a command leaves behind would live on. So the command
 * gets a lifeline, fd 3: the read end of a fifo whose only writer is the
 * host-side wrapper shell below, in the caller's process group. When the
 * wrapper ends, killed or not, a watcher inside sees end-of-file and ends the
 * command's session (each exec is a session of its own):
 * - the command still runs: the caller gave up on it (abort, timeout, server
 *   gone), so SIGKILL to the whole session;
 * - the command is done: SIGHUP to what it left in its session, as when a
 *   terminal closes (a fork bomb ends; `nohup` ignores it).
 * A daemon that called setsid (a tmux server, say) is in no such session and stays.
 */

/** Host side: makes the fifo, gives podman its read end as fd 3, keeps the write end until podman exits. */
const HOST_WRAPPER = [
  'd=$(mktemp -d) && mkfifo "$d/lifeline" &&',
  'exec 5<>"$d/lifeline" 3<"$d/lifeline" 4>"$d/lifeline" 5<&- && rm -rf "$d" || exit 125',
  '"$@" 4>&-',
].join('\n');

/**
 * Inside, before the command: the watcher uses shell built-ins only (a fork
 * bomb at the pids limit must not stop it), ignores terminal signals, and
 * holds none of the command's stdio open. It signals the session's other
 * process groups one by one, then the command's own group with one kill(),
 * which a fork bomb cannot outrun; that also ends the watcher on SIGKILL.
 */
const SANDBOX_SHIM = [
  'leader=$$',
  '(',
  "  trap '' HUP INT QUIT TSTP TTIN TTOU",
  '  exec </dev/null >/dev/null 2>&1',
  '  read -r _ <&3',
  '  if [ -e /proc/$leader ]; then sig=KILL; else sig=HUP; fi',
  '  for p in /proc/[0-9]*; do',
  '    read -r stat <$p/stat || continue',
  '    set -- ${stat##*") "}',
  '    [ "$4" = "$leader" ] && [ "$3" != "$leader" ] && kill -$sig "${p#/proc/}"',
  '  done',
  '  kill -$sig -$leader',
  ') &',
  'exec "$@" 3<&-',
].join('\n');

/**
 * Inside, first: the command runs under Hangar's seccomp filter (no TIOCSTI;
 * see seccomp.ts) on top of podman's own, when the image has perl to load it
 * (Debian-based images, the provisioned root file system); without perl, under
 * podman's filter alone.
 */
function seccompStep(): string[] {
  const prefix = seccompPrefix('perl');
  if (prefix.length === 0) return [];
  const [, flag, loader, filter] = prefix;
  return [
    '/bin/sh',
    '-c',
    `if command -v perl >/dev/null 2>&1; then exec perl ${flag} '${loader!.replaceAll("'", `'\\''`)}' ${filter} "$@"; fi; exec "$@"`,
    'hangar-seccomp',
  ];
}

/** The host command that runs `options.command` in the workspace's container. */
export function execCommand(cli: PodmanCli, spec: SandboxSpec, options: ExecOptions): HostCommand {
  if (options.command.length === 0) throw new Error('empty command');
  const args = [
    '-c',
    HOST_WRAPPER,
    'hangar-podman-exec',
    cli.binary,
    ...cli.globalArgs,
    'exec',
    '--interactive',
    ...(options.pty ? ['--tty'] : []),
    '--preserve-fds=1',
    `--user=${spec.uid}:${spec.gid}`,
    `--workdir=${options.cwd ?? SANDBOX_WORKSPACE}`,
    // As the bubblewrap driver: a terminal says what it is (tmux refuses to attach without TERM).
    ...envArgs({ ...(options.pty && { TERM: 'xterm-256color' }), ...options.env }),
    containerName(spec.id),
    ...seccompStep(),
    '/bin/sh',
    '-c',
    SANDBOX_SHIM,
    'hangar-exec',
    ...options.command,
  ];
  // The exec's conmon writes its files in its working directory (see PodmanCli.exec): the sandbox's state dir.
  return { file: '/bin/sh', args, env: { PATH: HOST_PATH }, cwd: spec.stateDir };
}
