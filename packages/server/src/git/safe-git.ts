import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Settings a repository's own config could use to run code on the host:
 * hooks, fsmonitor, pagers, editors, ssh and proxy commands. Forced off on
 * every call; content filters are neutralised per repository (see filterOverrides).
 */
const FORCED = [
  'core.hooksPath=/dev/null',
  'core.fsmonitor=false',
  'core.pager=cat',
  'core.editor=false',
  'core.askPass=',
  'core.gitProxy=',
  'core.sshCommand=ssh -o BatchMode=yes -o StrictHostKeyChecking=accept-new',
  'credential.helper=',
  'diff.external=',
  'protocol.ext.allow=never',
  'uploadpack.packObjectsHook=',
  // Workspace trees belong to sandbox uids. Git refuses "dubious ownership" to stop a
  // foreign repository's config from running code; that config is neutralised above.
  'safe.directory=*',
];

export class GitError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

export interface GitOptions {
  cwd: string;
  /** Milliseconds before git is killed (clones of slow remotes). */
  timeoutMs?: number;
  /** Extra environment, e.g. credentials for one call. */
  env?: Record<string, string>;
}

/** Runs git on the host without letting the repository's config execute anything. */
export async function safeGit(args: string[], options: GitOptions): Promise<string> {
  const overrides = [...FORCED, ...(await filterOverrides(options.cwd))];
  try {
    const { stdout } = await run('git', [...overrides.flatMap((c) => ['-c', c]), ...args], {
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
      env: gitEnv(options.env),
    });
    return stdout;
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    const lines = stderr.split('\n').filter(Boolean);
    const reason = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? (error as Error).message;
    throw new GitError(`git ${args[0] ?? ''} failed: ${reason}`, stderr);
  }
}

/** No system or user config, no prompts: git gets only what Hangar passes. */
function gitEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    SSH_ASKPASS: '/bin/false',
    LANG: 'C.UTF-8',
    ...extra,
  };
}

/** Empties every content filter the repository defines, so checkout and status run none of them. */
async function filterOverrides(cwd: string): Promise<string[]> {
  let names: string;
  try {
    ({ stdout: names } = await run('git', ['config', '--name-only', '--get-regexp', '^filter\\.'], {
      cwd,
      env: gitEnv(),
    }));
  } catch {
    return []; // not a repository, or no filters
  }
  const drivers = new Set(
    names
      .split('\n')
      .map((n) => /^filter\.(.+)\.[^.]+$/.exec(n.trim())?.[1])
      .filter(Boolean),
  );
  return [...drivers].flatMap((d) => [
    `filter.${d}.smudge=`,
    `filter.${d}.clean=`,
    `filter.${d}.process=`,
    `filter.${d}.required=false`,
  ]);
}
