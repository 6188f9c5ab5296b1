import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { GitError, safeGit, type WorkspaceUser } from '../../git/safe-git.js';
import { worktreeAdminDir } from '../workspaces/git-access.js';
import { workspacePaths } from '../workspaces/lifecycle.js';
import { sourceOf, type WorkspaceRow } from '../workspaces/repository.js';
import { commonGitDir } from '../workspaces/sources.js';
import { gitErrors } from './errors.js';

const NETWORK_TIMEOUT_MS = 5 * 60_000;

export interface RunOptions {
  /** Config for this call only (credentials), passed in the environment. */
  config?: [string, string][];
  env?: Record<string, string>;
  /** Secrets replaced by `***` in any error. */
  redact?: string[];
  network?: boolean;
}

/**
 * Git in one workspace's tree, on the host, through safeGit: as the
 * workspace's sandbox user when the server is root and the driver isolates
 * (so objects written keep the sandbox's ownership), as the server otherwise.
 * Pathspecs are literal: a file named `*` is that file.
 */
export class WorkspaceGitRunner {
  private constructor(
    readonly workDir: string,
    private readonly user: WorkspaceUser | undefined,
  ) {}

  static async open(dataDir: string, row: WorkspaceRow): Promise<WorkspaceGitRunner> {
    const workDir = workspacePaths(dataDir, row.id).work;
    if (!existsSync(join(workDir, '.git'))) throw gitErrors.notARepository();
    if (process.getuid?.() !== 0 || row.driver === 'host') return new WorkspaceGitRunner(workDir, undefined);
    const uid = Number(row.uid);
    const common = await commonGitDir(sourceOf(row)).catch(() => undefined);
    if (!common) return new WorkspaceGitRunner(workDir, { uid, gid: uid });
    const admin = await worktreeAdminDir(common, workDir);
    return new WorkspaceGitRunner(workDir, {
      uid,
      gid: uid,
      worktree: { commonDir: common, name: basename(admin) },
    });
  }

  run(args: string[], options: RunOptions = {}): Promise<string> {
    return safeGit(args, {
      cwd: this.workDir,
      timeoutMs: options.network ? NETWORK_TIMEOUT_MS : 60_000,
      env: { GIT_LITERAL_PATHSPECS: '1', ...options.env },
      ...(this.user && { user: this.user }),
      ...(options.config && { config: options.config }),
      ...(options.redact && { redact: options.redact }),
    });
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
}
