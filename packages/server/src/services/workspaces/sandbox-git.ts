import { neutralGitEnv } from '../../git/safe-git.js';
import type { RunResult, Sandbox } from '../../sandbox/sandbox.js';

/*
 * Git of a workspace's own tree (the clone or worktree that fills it, the
 * status before an archived worktree expires) runs inside a sandbox of the
 * workspace, as its uid, never on the host: what the repository or the remote
 * holds reaches only what that sandbox reaches. It still gets safe-git's
 * forced settings (no hooks, fsmonitor, pagers, filters, helpers), in the
 * environment, and, as a "global" config file made inside the sandbox, for
 * the git a local clone starts in the source repository (git passes it no
 * environment config) and to accept repositories owned by another user (the
 * source of a file:// clone belongs to the repository's owner).
 */

/** Makes the global config file from stdin, then runs the script. */
const PRELUDE = `set -eu
g=$(mktemp); cat > "$g"; export GIT_CONFIG_GLOBAL="$g"
`;

export interface SandboxGitOptions {
  /** Config for this call, after the forced settings. */
  config?: [string, string][];
  env?: Record<string, string>;
  cwd?: string;
  /** Milliseconds before the command, and every process of the sandbox, are ended. */
  timeoutMs: number;
  /**
   * Ends every process of the sandbox on timeout (git may go on inside after
   * the command's own process ended); the caller's, as it made the sandbox.
   */
  stop?: () => Promise<void>;
}

export class SandboxGitError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'SandboxGitError';
  }
}

/**
 * Runs a shell script of git commands in the running sandbox (`args` are its
 * $1…). On timeout the command is killed and `options.stop` ends the rest, so
 * a remote that never answers leaves nothing behind. Resolves with stdout;
 * throws git's own reason.
 */
export async function runGitScript(
  sandbox: Sandbox,
  what: string,
  script: string,
  args: string[],
  options: SandboxGitOptions,
): Promise<string> {
  const env = withConfig(neutralGitEnv([]), options.config ?? []);
  let timedOut = false;
  const aborter = new AbortController();
  const timer = setTimeout(() => {
    timedOut = true;
    aborter.abort();
    // The command's own process may have ended while git goes on inside: end them all.
    void options.stop?.().catch(() => undefined);
  }, options.timeoutMs);
  let result: RunResult;
  try {
    result = await sandbox.exec({
      command: ['/bin/sh', '-c', PRELUDE + script, 'sh', ...args],
      env: {
        ...env,
        PATH: '/usr/local/bin:/usr/bin:/bin',
        // Git's own prompts and progress would wait for a terminal that is not there.
        GIT_TERMINAL_PROMPT: '0',
        GIT_CONFIG_NOSYSTEM: '1',
        ...options.env,
      },
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      stdin: globalConfigFile(env),
      signal: aborter.signal,
      maxOutputBytes: 256 * 1024,
    });
  } finally {
    clearTimeout(timer);
  }
  if (timedOut) {
    const minutes = Math.round(options.timeoutMs / 6_000) / 10;
    throw new SandboxGitError(`${what} did not finish within ${minutes} minutes and was stopped`, true);
  }
  if (result.exitCode !== 0) {
    const lines = result.stderr.trim().split('\n').filter(Boolean);
    const reason =
      lines.find((l) => /^(fatal|error):/.test(l)) ??
      lines.at(-1) ??
      `exit ${result.exitCode ?? result.signal}`;
    throw new SandboxGitError(`${what} failed: ${reason}`, false);
  }
  return result.stdout;
}

/** Appends config after what GIT_CONFIG_COUNT/KEY/VALUE hold (later values win). */
function withConfig(env: Record<string, string>, config: [string, string][]): Record<string, string> {
  const out = { ...env };
  let count = Number(out.GIT_CONFIG_COUNT ?? 0);
  for (const [key, value] of config) {
    out[`GIT_CONFIG_KEY_${count}`] = key;
    out[`GIT_CONFIG_VALUE_${count}`] = value;
    count++;
  }
  out.GIT_CONFIG_COUNT = String(count);
  delete out.GIT_CONFIG_GLOBAL; // a host path; the prelude makes the sandbox's own
  delete out.HOME;
  return out;
}

/** The forced settings from the environment as a config file, and any owner's repository accepted. */
function globalConfigFile(env: Record<string, string>): string {
  const quote = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  const lines = ['[safe]\n\tdirectory = *'];
  for (let i = 0; i < Number(env.GIT_CONFIG_COUNT ?? 0); i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`] ?? '';
    const value = env[`GIT_CONFIG_VALUE_${i}`] ?? '';
    const dot = key.indexOf('.');
    const last = key.lastIndexOf('.');
    // An empty value names an empty command in a file; sub-sections (filter.<x>.…) stay in the environment.
    if (value === '' || dot !== last || dot < 0) continue;
    lines.push(`[${key.slice(0, dot)}]\n\t${key.slice(dot + 1)} = ${quote(value)}`);
  }
  return `${lines.join('\n')}\n`;
}
