import type { Config, GitGuardrails } from '../../config/index.js';
import { gitErrors } from './errors.js';

const NONE: GitGuardrails = {
  allowForcePush: false,
  allowProtectedPush: false,
  allowRemoteBranchDelete: false,
  protectedBranches: [],
};

/** What the git API may do to a remote, from the workspace's template and the server's protected list. */
export class PushPolicy {
  readonly rules: GitGuardrails;
  private readonly protectedPatterns: string[];

  constructor(config: Pick<Config, 'templates' | 'gitProtectedBranches'>, template: string) {
    this.rules = { ...NONE, ...config.templates[template]?.git };
    this.protectedPatterns = [...config.gitProtectedBranches, ...this.rules.protectedBranches];
  }

  isProtected(branch: string): boolean {
    return this.protectedPatterns.some((p) =>
      p.endsWith('*') ? branch.startsWith(p.slice(0, -1)) : branch === p,
    );
  }

  /**
   * Throws unless this push may happen. `defaultBranch` is what the remote
   * itself advertises as HEAD now (not the workspace's copy, which the sandbox can change).
   */
  checkPush(input: { remoteBranch: string; force: boolean; defaultBranch: string | undefined }): void {
    if (input.force && !this.rules.allowForcePush) throw gitErrors.forcePushRefused();
    this.checkProtected(input.remoteBranch, input.defaultBranch);
  }

  checkDelete(remoteBranch: string, defaultBranch: string | undefined): void {
    if (!this.rules.allowRemoteBranchDelete) throw gitErrors.remoteDeleteRefused();
    this.checkProtected(remoteBranch, defaultBranch);
  }

  private checkProtected(branch: string, defaultBranch: string | undefined): void {
    if (this.rules.allowProtectedPush) return;
    if (branch === defaultBranch) throw gitErrors.protectedBranch(branch, "the remote's default branch");
    if (this.isProtected(branch)) throw gitErrors.protectedBranch(branch, 'a protected branch');
  }
}
