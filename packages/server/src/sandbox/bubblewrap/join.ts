import { posix } from 'node:path';
import {
  SANDBOX_HOME,
  SANDBOX_USER,
  SANDBOX_WORKSPACE,
  type ExecOptions,
  type HostCommand,
  type SandboxSpec,
} from '../driver.js';
import { cgroupProcsFiles } from './cgroup.js';
import { enterArgs } from './enter.js';
import { SANDBOX_PATH, ulimitCommands } from './layout.js';
import type { SandboxRecord } from './state.js';
import type { Tools } from './tools.js';

/**
 * The one environment variable the host side of a join carries: the
 * sandbox's environment, as shell `export` lines that the last step (already
 * unprivileged and inside) evaluates. The host programs of the chain (run as
 * root or as the sandbox's uid on the host) thus never see variables such as
 * LD_PRELOAD from a spec, and the values stay out of command lines (`ps`).
 */
const ENV_VARIABLE = 'HANGAR_SANDBOX_ENV';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The host command that runs `options.command` inside a running sandbox:
 *
 * 1. perl, from the host (see enter.ts): as root, enter the sandbox's
 *    cgroups (with memory/CPU limits) and become the sandbox's uid on the
 *    host, without supplementary groups; join the sandbox's namespaces and
 *    root directory, drop every privilege, load the seccomp filter — nothing
 *    of the sandbox's tree runs before that;
 * 2. sh: set the sandbox's rlimits, working directory and environment; exec.
 */
export function joinCommand(
  tools: Tools,
  record: SandboxRecord,
  spec: SandboxSpec,
  options: ExecOptions,
): HostCommand {
  if (options.command.length === 0) throw new Error('empty command');
  const cwd = posix.resolve(SANDBOX_WORKSPACE, options.cwd ?? SANDBOX_WORKSPACE);
  const script = `${ulimitCommands(spec.limits)} || exit 126
cd -- "$1" || exit 126
shift
unset OLDPWD
eval "$${ENV_VARIABLE}"
unset ${ENV_VARIABLE}
exec "$@"`;
  const enter = enterArgs(
    tools.perl,
    {
      pid: record.init.pid,
      namespaces: record.namespaces,
      uid: record.uid,
      gid: record.gid,
      // Without uid 0 inside (single-id), the joining process is already the sandbox user there.
      setIds: record.idMode !== 'single-id',
      ...(record.idMode === 'root' && { host: { cgroupProcs: cgroupProcsFiles(record.cgroups) } }),
    },
    [tools.sh, '-c', script, 'hangar-exec', cwd, ...options.command],
  );
  const [file, ...args] = enter;
  return { file: file!, args, env: { [ENV_VARIABLE]: exportLines(sandboxEnv(spec, options)) }, cwd: '/' };
}

/** The environment of a command: defaults for the sandbox user, then the spec's, then the command's. */
function sandboxEnv(spec: SandboxSpec, options: ExecOptions): Record<string, string> {
  return {
    PATH: SANDBOX_PATH,
    HOME: SANDBOX_HOME,
    USER: SANDBOX_USER,
    LOGNAME: SANDBOX_USER,
    SHELL: '/bin/bash',
    ...(options.pty && { TERM: 'xterm-256color' }),
    ...spec.env,
    ...options.env,
  };
}

function exportLines(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => {
      if (!ENV_NAME.test(name)) throw new Error(`invalid environment variable name: ${JSON.stringify(name)}`);
      if (value.includes('\0')) throw new Error(`environment variable ${name} holds a NUL byte`);
      return `export ${name}='${value.replaceAll("'", `'\\''`)}'`;
    })
    .join('\n');
}
