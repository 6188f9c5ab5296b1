import { GitError, gitFailure, neutralGitEnv, remoteCommands } from '../../git/safe-git.js';
import { SANDBOX_WORKSPACE } from '../../sandbox/driver.js';
import type { Sandbox } from '../../sandbox/sandbox.js';
import type { WorkspaceLifecycle } from '../workspaces/lifecycle.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import { gitErrors } from './errors.js';

const TIMEOUT_MS = 60_000;
const NETWORK_TIMEOUT_MS = 5 * 60_000;
/** Output kept of one git call (for-each-ref of a large repository), in bytes. */
const MAX_OUTPUT_BYTES = 64 * 1024 * 1024;

export interface RunOptions {
  /** Config for this call only (credentials), passed in the environment of this one process. */
  config?: [string, string][];
  env?: Record<string, string>;
  /** Secrets replaced by `***` in any error. */
  redact?: string[];
  network?: boolean;
}

/**
 * The names in the repository's config (whose drivers, filters and helpers
 * get neutral values); exit 3 when the workspace has no repository.
 */
const CONFIG_NAMES = `[ -e .git ] || exit 3
git config --list --name-only`;

/**
 * Git in one workspace's tree, run inside that workspace's running sandbox,
 * as its user, with its network: whatever the repository's config, hooks or
 * remotes make git run, runs there and reaches only what the sandbox does.
 * Safe-git's forced settings still apply (environment, not arguments), so the
 * repository's own commands do not run even inside. Pathspecs are literal: a
 * file named `*` is that file.
 */
export class WorkspaceGitRunner {
  private constructor(
    private readonly sandbox: Sandbox,
    private configNames: string[],
    /** False when the tree has no `.git` (opened with `repository: 'optional'`, for `git init`). */
    readonly isRepository = true,
  ) {}

  /**
   * Refuses (409) a workspace whose sandbox is not running: git never runs on the host instead; and
   * one without a repository unless `repository` is `'optional'` (then see `isRepository`).
   */
  static async open(
    lifecycle: WorkspaceLifecycle,
    row: WorkspaceRow,
    { repository = 'required' }: { repository?: 'required' | 'optional' } = {},
  ): Promise<WorkspaceGitRunner> {
    if (row.state !== 'running') throw gitErrors.notRunning(row.name, row.state);
    const sandbox = await lifecycle.sandbox(row).catch(() => undefined);
    if (!sandbox || (await sandbox.status()) !== 'running') throw gitErrors.notRunning(row.name, 'stopped');
    const runner = new WorkspaceGitRunner(sandbox, []);
    const names = await runner.exec(['/bin/sh', '-c', CONFIG_NAMES, 'hangar-git-config'], {});
    if (names.exitCode === 3) {
      if (repository === 'required') throw gitErrors.notARepository();
      return new WorkspaceGitRunner(sandbox, [], false);
    }
    runner.configNames = names.exitCode === 0 ? names.stdout.split('\n').filter(Boolean) : [];
    return runner;
  }

  /**
   * Where a local-path remote may be: this workspace's tree and home, as git
   * sees them (inside an isolating sandbox, or the host directories otherwise).
   */
  get localRoots(): string[] {
    return [this.sandbox.roots.workspace, this.sandbox.roots.home];
  }

  async run(args: string[], options: RunOptions = {}): Promise<string> {
    const argv = remoteCommands(args);
    const result = await this.exec(['git', ...argv], options);
    if (result.exitCode === 0 && !result.truncated) return result.stdout;
    const fallback = result.truncated
      ? `more than ${MAX_OUTPUT_BYTES} bytes of output`
      : `exit ${result.exitCode ?? result.signal}${result.signal === 'SIGKILL' ? ' (timed out)' : ''}`;
    throw gitFailure(argv[0] ?? '', { ...result, fallback }, options.redact);
  }

  /** The output, or undefined when git exits non-zero (a probe: "is there such a ref?"). */
  async probe(args: string[]): Promise<string | undefined> {
    try {
      return await this.run(args);
    } catch (error) {
      if (error instanceof GitError) return undefined;
      throw error;
    }
  }

  private exec(command: string[], options: RunOptions) {
    const env: Record<string, string> = {
      ...neutralGitEnv(this.configNames, options.config),
      PATH: '/usr/local/bin:/usr/bin:/bin',
      GIT_LITERAL_PATHSPECS: '1',
      // Nothing of the server's own `-c` settings, only the counted ones above.
      GIT_CONFIG_PARAMETERS: '',
      ...options.env,
    };
    return this.sandbox.exec({
      command,
      env,
      cwd: SANDBOX_WORKSPACE,
      timeoutMs: options.network ? NETWORK_TIMEOUT_MS : TIMEOUT_MS,
      maxOutputBytes: MAX_OUTPUT_BYTES,
    });
  }
}
