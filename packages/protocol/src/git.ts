import { z } from 'zod';
import { id, timestamp } from './common.js';

/**
 * Git operations on a workspace's repository, remote credentials and pull
 * requests. The shapes suit a Diff panel: one call for the branch picture,
 * one for a commit, one for a push, one for a pull request.
 */

/** A branch name as `git check-ref-format --branch` accepts it, without the odd corners. */
/** Text that reaches git's command line: a NUL cannot be passed to a process. */
const noNul = (text: string) => !text.includes('\0');

export const gitBranchName = z
  .string()
  .min(1, 'name the branch')
  .max(200, 'a branch name may have at most 200 characters')
  .regex(
    /^(?![-/.])(?!.*(\.\.|\/\/|@\{|\/\.|\.lock$|\.$|\/$))[A-Za-z0-9._/+-]+$/,
    'a branch may use letters, digits, ".", "_", "+", "/" and "-", and may not start with "-", "/" or "." nor contain ".."',
  );

/** A path inside the workspace, relative to its top (as `git status` shows it). */
export const gitPath = z
  .string()
  .min(1)
  .max(4096)
  .refine(
    (p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0'),
    'a path is relative to the workspace and may not contain ".."',
  );

export const gitLocalBranch = z.object({
  name: z.string(),
  sha: z.string(),
  /** `origin/feature`, or null when the branch tracks nothing. */
  upstream: z.string().nullable(),
  /** Commits not on the upstream / upstream commits not here; 0 without one. */
  ahead: z.number().int(),
  behind: z.number().int(),
  current: z.boolean(),
});
export const gitRemoteBranch = z.object({ remote: z.string(), name: z.string(), sha: z.string() });
export const gitRemote = z.object({ name: z.string(), url: z.string() });

export const gitBranches = z.object({
  /** The checked-out branch; null when HEAD is detached or the repository is empty. */
  current: z.string().nullable(),
  head: z.string().nullable(),
  /** The default branch origin advertises (`origin/HEAD`), as last fetched. */
  defaultBranch: z.string().nullable(),
  local: z.array(gitLocalBranch),
  remote: z.array(gitRemoteBranch),
  remotes: z.array(gitRemote),
});
export type GitBranches = z.infer<typeof gitBranches>;

export const createBranchRequest = z.strictObject({
  name: gitBranchName,
  /** Where it starts: a branch, remote branch or commit; HEAD when omitted. */
  from: z.string().min(1).max(200).refine(noNul, 'a branch start cannot contain a NUL character').optional(),
  /** Check the new branch out (the default). */
  switch: z.boolean().default(true),
});
export const switchBranchRequest = z.strictObject({
  /** A local branch, or a remote one's name (a tracking branch is created). */
  name: gitBranchName,
});

export const commitRequest = z.strictObject({
  message: z
    .string()
    .trim()
    .min(1, 'write a commit message')
    .max(20_000)
    .refine(noNul, 'a commit message cannot contain a NUL character'),
  /** Only these paths (added, modified or deleted); every change when omitted. */
  files: z.array(gitPath).min(1).max(10_000).optional(),
});
export const gitCommit = z.object({
  sha: z.string(),
  subject: z.string(),
  authorName: z.string(),
  authorEmail: z.string(),
  committedAt: timestamp,
});
export const commitResult = z.object({
  branch: z.string().nullable(),
  commit: gitCommit,
  /** Paths the commit changed. */
  files: z.array(z.string()),
});

const remoteName = z.string().min(1).max(100).refine(noNul, 'a remote name cannot contain a NUL character');
export const remoteRequest = z.strictObject({ remote: remoteName.default('origin') });
export const pullRequest = z.strictObject({
  remote: remoteName.default('origin'),
  /** `ff-only` refuses anything but a fast-forward; `merge` makes a merge commit (conflicts abort it). */
  mode: z.enum(['ff-only', 'merge']).default('ff-only'),
});
export const pullResult = z.object({
  before: z.string().nullable(),
  after: z.string().nullable(),
  updated: z.boolean(),
  branches: gitBranches,
});

export const pushRequest = z.strictObject({
  remote: remoteName.default('origin'),
  /** The remote branch to update; the upstream's, else the local branch's name. */
  remoteBranch: gitBranchName.optional(),
  /** Overwrite the remote branch (with lease); only where the template allows it. */
  force: z.boolean().default(false),
  /** Make the pushed branch track the remote one (the default). */
  setUpstream: z.boolean().default(true),
});
export const pushResult = z.object({
  remote: z.string(),
  /** The remote's URL, credentials never included. */
  url: z.string(),
  branch: z.string(),
  remoteBranch: z.string(),
  sha: z.string(),
  /** The remote branch did not exist before. */
  created: z.boolean(),
});
export const deleteRemoteBranchQuery = z.strictObject({
  name: gitBranchName,
  remote: remoteName.default('origin'),
});

/* Remote credentials: stored per user, the token never returned. */

/** A host as in a remote URL: `github.com`, `gitlab.example.com:8443`. */
export const gitHost = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9.-]+(:[0-9]{1,5})?$/, 'a host such as github.com or gitlab.example.com:8443');
export const createGitCredentialRequest = z.strictObject({
  host: gitHost,
  /** The account on that host (GitHub: any name works with a token; GitLab: `oauth2` or the user). */
  username: z.string().trim().min(1).max(200),
  token: z.string().trim().min(1, 'paste the token').max(4000),
  label: z.string().trim().max(100).default(''),
});
export const gitCredential = z.object({
  id,
  host: z.string(),
  username: z.string(),
  label: z.string(),
  createdAt: timestamp,
  lastUsedAt: timestamp.nullable(),
});
export type GitCredential = z.infer<typeof gitCredential>;
export const gitCredentialList = z.object({ credentials: z.array(gitCredential) });
export const gitCredentialParams = z.strictObject({ credentialId: id });

/* Pull and merge requests. */

export const forgeKind = z.enum(['github', 'gitlab']);
export const forgeInfo = z.object({
  kind: forgeKind,
  host: z.string(),
  /** `owner/repo` (GitHub) or the project path (GitLab). */
  project: z.string(),
  /** Whether the caller has a stored credential for the host. */
  hasCredential: z.boolean(),
});
export const ciState = z.enum(['success', 'failure', 'pending', 'none']);
export const reviewState = z.enum(['approved', 'changes_requested', 'pending', 'none']);
export const pullRequestStatus = z.object({
  ci: z.object({
    state: ciState,
    checks: z.array(z.object({ name: z.string(), state: ciState, url: z.string().nullable() })),
  }),
  review: z.object({
    state: reviewState,
    reviews: z.array(z.object({ user: z.string(), state: z.string() })),
  }),
});
export const pullRequestInfo = z.object({
  number: z.number().int(),
  title: z.string(),
  url: z.string(),
  state: z.enum(['open', 'closed', 'merged']),
  draft: z.boolean(),
  head: z.string(),
  base: z.string(),
  author: z.string(),
  createdAt: timestamp,
  status: pullRequestStatus.optional(),
});
export type PullRequestInfo = z.infer<typeof pullRequestInfo>;
export const pullRequestList = z.object({
  forge: forgeInfo,
  branch: z.string().nullable(),
  pulls: z.array(pullRequestInfo),
});
export const createPullRequestRequest = z.strictObject({
  title: z.string().trim().min(1, 'give the pull request a title').max(256),
  body: z.string().max(60_000).default(''),
  /** The branch to merge into; the remote's default branch when omitted. */
  base: gitBranchName.optional(),
  draft: z.boolean().default(false),
});
export const pullRequestParams = z.strictObject({ id, number: z.coerce.number().int().positive() });
/** What the create-PR form starts with: the branch, the base, and a summary from the agent. */
export const pullRequestDraft = z.object({
  forge: forgeInfo.nullable(),
  head: z.string().nullable(),
  base: z.string().nullable(),
  title: z.string(),
  body: z.string(),
  /** Where the body came from: the agents' last messages, or the commits. */
  bodySource: z.enum(['agent', 'commits', 'none']),
});
