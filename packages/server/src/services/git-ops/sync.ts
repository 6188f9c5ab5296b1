import { GitError } from '../../git/safe-git.js';
import type { UserRow } from '../accounts.js';
import { currentBranch } from './branches.js';
import { authorEnv } from './commit.js';
import { gitErrors } from './errors.js';
import type { PushPolicy } from './guardrails.js';
import type { RemoteLocation } from './remote.js';
import type { WorkspaceGitRunner } from './runner.js';

/** Git calls that reach one remote, with the caller's credential; errors already redacted and classified. */
export interface RemoteCall {
  remote: string;
  location: RemoteLocation;
  run(args: string[]): Promise<string>;
}

/** What the remote itself says now: its default branch, and where one branch points. */
export async function remoteHeads(call: RemoteCall, branch: string) {
  const out = await call.run(['ls-remote', '--symref', '--', call.remote, 'HEAD', `refs/heads/${branch}`]);
  let defaultBranch: string | undefined;
  let sha: string | undefined;
  for (const line of out.split('\n')) {
    const symref = /^ref: refs\/heads\/(\S+)\tHEAD$/.exec(line);
    if (symref) defaultBranch = symref[1];
    const [hash, ref] = line.split('\t');
    if (ref === `refs/heads/${branch}`) sha = hash;
  }
  return { defaultBranch, sha };
}

/** The remote branch a local branch pushes to and pulls from: its upstream's on that remote, else the same name. */
async function trackedBranch(git: WorkspaceGitRunner, remote: string, branch: string): Promise<string> {
  const upstreamRemote = (await git.probe(['config', '--get', `branch.${branch}.remote`]))?.trim();
  const merge = (await git.probe(['config', '--get', `branch.${branch}.merge`]))?.trim();
  if (upstreamRemote === remote && merge?.startsWith('refs/heads/')) return merge.slice('refs/heads/'.length);
  return branch;
}

export async function pullBranch(
  git: WorkspaceGitRunner,
  call: RemoteCall,
  user: Pick<UserRow, 'username' | 'display_name' | 'email'>,
  input: { remote: string; mode: 'ff-only' | 'merge' },
) {
  const branch = await currentBranch(git);
  if (!branch) throw gitErrors.detachedHead();
  const source = await trackedBranch(git, input.remote, branch);
  await call.run(['fetch', '--prune', '--no-write-fetch-head', '--', input.remote]);
  const ref = `refs/remotes/${input.remote}/${source}`;
  if ((await git.probe(['rev-parse', '--verify', '--quiet', ref])) === undefined)
    throw gitErrors.noUpstream(branch);
  const before = (await git.probe(['rev-parse', '--verify', '--quiet', 'HEAD']))?.trim() ?? null;
  const mode = input.mode === 'ff-only' ? ['--ff-only'] : ['--no-edit'];
  try {
    await git.run(['merge', '--no-verify', '--no-stat', ...mode, ref], { env: authorEnv(user) });
  } catch (error) {
    if (!(error instanceof GitError)) throw error;
    const text = `${error.stdout}\n${error.stderr}`;
    if (/would be overwritten/.test(text)) throw gitErrors.pullBlocked('');
    if (/Not possible to fast-forward|not possible to fast-forward/i.test(text))
      throw gitErrors.notFastForward();
    if (/CONFLICT|Automatic merge failed/.test(text)) {
      const files = (await git.run(['diff', '--name-only', '--diff-filter=U'])).split('\n').filter(Boolean);
      await git.run(['merge', '--abort']);
      throw gitErrors.pullConflict(files);
    }
    throw error;
  }
  const after = (await git.probe(['rev-parse', '--verify', '--quiet', 'HEAD']))?.trim() ?? null;
  return { before, after, updated: before !== after };
}

export async function pushBranch(
  git: WorkspaceGitRunner,
  call: RemoteCall,
  policy: PushPolicy,
  input: {
    branch: string;
    remote: string;
    remoteBranch?: string | undefined;
    force: boolean;
    setUpstream: boolean;
  },
) {
  const target = input.remoteBranch ?? (await trackedBranch(git, input.remote, input.branch));
  if (input.force) policy.checkPush({ remoteBranch: target, force: true, defaultBranch: undefined });
  const remote = await remoteHeads(call, target);
  policy.checkPush({ remoteBranch: target, force: input.force, defaultBranch: remote.defaultBranch });
  const sha = (await git.run(['rev-parse', '--verify', `refs/heads/${input.branch}`])).trim();
  const args = ['push', '--porcelain', '--no-verify'];
  // With a lease on what the remote had just now: a push made since is not overwritten.
  if (input.force) args.push(`--force-with-lease=refs/heads/${target}:${remote.sha ?? ''}`);
  if (input.setUpstream) args.push('--set-upstream');
  args.push('--', input.remote, `refs/heads/${input.branch}:refs/heads/${target}`);
  try {
    await call.run(args);
  } catch (error) {
    if (
      error instanceof GitError &&
      /\[rejected\]|\(fetch first\)|non-fast-forward|stale info/.test(`${error.stdout}\n${error.stderr}`)
    )
      throw gitErrors.pushRejected(input.force ? 'The remote changed since it was read.' : '');
    throw error;
  }
  return {
    remote: input.remote,
    url: call.location.display,
    branch: input.branch,
    remoteBranch: target,
    sha,
    created: remote.sha === undefined,
  };
}

export async function deleteRemoteBranch(call: RemoteCall, policy: PushPolicy, input: { name: string }) {
  const remote = await remoteHeads(call, input.name);
  policy.checkDelete(input.name, remote.defaultBranch);
  if (remote.sha === undefined) throw gitErrors.unknownRef(`${call.remote}/${input.name}`);
  await call.run(['push', '--porcelain', '--no-verify', '--', call.remote, `:refs/heads/${input.name}`]);
}
