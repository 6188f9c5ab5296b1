import type { GitBranches } from '@hangar/protocol';
import type { Config } from '../../config/index.js';
import { GitError } from '../../git/safe-git.js';
import type { Principal } from '../auth.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import type { WorkspaceAction } from '../workspaces/access.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { currentBranch, readBranches, refExists } from './branches.js';
import { commitChanges } from './commit.js';
import type { GitCredentialStore, RemoteCredential } from './credentials.js';
import { gitErrors } from './errors.js';
import { PushPolicy } from './guardrails.js';
import {
  credentialConfig,
  isForeignLocalPath,
  parseRemote,
  secretsOf,
  type RemoteLocation,
} from './remote.js';
import { WorkspaceGitRunner, type RunOptions } from './runner.js';
import { pullBranch, pushBranch, deleteRemoteBranch, type RemoteCall } from './sync.js';

type GitConfig = Pick<Config, 'templates' | 'gitProtectedBranches'>;

/** A workspace's repository, opened for one caller. */
export interface OpenRepository {
  row: WorkspaceRow;
  git: WorkspaceGitRunner;
}

/**
 * The git API of a workspace: branches, commits as the Hangar user, and
 * fetch, pull and push with the caller's stored credential, within the
 * template's guardrails. Viewers read; editors and owners write. Writes of
 * one workspace run one at a time.
 */
export class GitService {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly config: GitConfig,
    private readonly workspaces: WorkspaceService,
    readonly credentials: GitCredentialStore,
  ) {}

  /** Git runs only inside the workspace's running sandbox: a stopped one is refused (409), never run on the host. */
  async open(
    principal: Principal,
    id: string,
    action: WorkspaceAction,
    repository: 'required' | 'optional' = 'required',
  ): Promise<OpenRepository> {
    const { row } = await this.workspaces.get(principal, id, action);
    if (!row.prepared_at || !['running', 'stopped', 'error'].includes(row.state) || row.files_expired_at)
      throw gitErrors.notReady(row.name, row.state);
    return { row, git: await WorkspaceGitRunner.open(this.workspaces.lifecycle, row, { repository }) };
  }

  /** `git init` in the workspace's sandbox, for one made without a repository (409 when it has one). */
  async init(principal: Principal, id: string): Promise<GitBranches> {
    await this.open(principal, id, 'operate', 'optional');
    await this.workspaces.touch(id);
    return this.lock.run(id, async () => {
      // Looked at again under the lock, so that of two calls at once the second is refused.
      const { git } = await this.open(principal, id, 'operate', 'optional');
      if (git.isRepository) throw gitErrors.alreadyARepository();
      await git
        .run(['init', '--quiet', '--initial-branch=main'])
        .catch((error: unknown) => rethrowCommon(error));
      return readBranches(git);
    });
  }

  async branches(principal: Principal, id: string): Promise<GitBranches> {
    return readBranches((await this.open(principal, id, 'read')).git);
  }

  async createBranch(
    principal: Principal,
    id: string,
    input: { name: string; from?: string | undefined; switch: boolean },
  ) {
    return this.write(principal, id, async ({ git }) => {
      await checkBranchName(git, input.name);
      if (await refExists(git, `refs/heads/${input.name}`)) throw gitErrors.branchExists(input.name);
      const from = input.from ?? 'HEAD';
      if (from.startsWith('-') || !(await refExists(git, from))) throw gitErrors.unknownRef(from);
      const args = input.switch
        ? ['switch', '--no-guess', '-c', input.name, from]
        : ['branch', '--', input.name, from];
      await git.run(args).catch((error: unknown) => rethrowSwitch(error));
      return readBranches(git);
    });
  }

  async switchBranch(principal: Principal, id: string, name: string) {
    return this.write(principal, id, async ({ git }) => {
      await checkBranchName(git, name);
      if (await refExists(git, `refs/heads/${name}`)) {
        await git.run(['switch', '--no-guess', name]).catch((error: unknown) => rethrowSwitch(error));
      } else if (await refExists(git, `refs/remotes/origin/${name}`)) {
        await git
          .run(['switch', '--no-guess', '--track', '-c', name, `origin/${name}`])
          .catch((error: unknown) => rethrowSwitch(error));
      } else {
        throw gitErrors.unknownRef(name);
      }
      return readBranches(git);
    });
  }

  async commit(principal: Principal, id: string, input: { message: string; files?: string[] | undefined }) {
    return this.write(principal, id, ({ git }) => commitChanges(git, principal.user, input));
  }

  async fetch(principal: Principal, id: string, remote: string) {
    return this.write(principal, id, async (repo) => {
      const call = await this.remoteCall(principal, repo, remote);
      await call.run(['fetch', '--prune', '--no-write-fetch-head', '--', remote]);
      return readBranches(repo.git);
    });
  }

  async pull(principal: Principal, id: string, input: { remote: string; mode: 'ff-only' | 'merge' }) {
    return this.write(principal, id, async (repo) => {
      const call = await this.remoteCall(principal, repo, input.remote);
      const result = await pullBranch(repo.git, call, principal.user, input);
      return { ...result, branches: await readBranches(repo.git) };
    });
  }

  async push(
    principal: Principal,
    id: string,
    input: { remote: string; remoteBranch?: string | undefined; force: boolean; setUpstream: boolean },
  ) {
    return this.write(principal, id, async (repo) => {
      const branch = await currentBranch(repo.git);
      if (!branch) throw gitErrors.detachedHead();
      if (input.remoteBranch) await checkBranchName(repo.git, input.remoteBranch);
      const call = await this.remoteCall(principal, repo, input.remote);
      const policy = new PushPolicy(this.config, repo.row.template);
      return pushBranch(repo.git, call, policy, { ...input, branch });
    });
  }

  async deleteRemoteBranch(principal: Principal, id: string, input: { remote: string; name: string }) {
    return this.write(principal, id, async (repo) => {
      const policy = new PushPolicy(this.config, repo.row.template);
      if (!policy.rules.allowRemoteBranchDelete) throw gitErrors.remoteDeleteRefused();
      const call = await this.remoteCall(principal, repo, input.remote);
      await deleteRemoteBranch(call, policy, input);
    });
  }

  /** The remote's URL and the caller's credential for its host, ready for one network call. */
  async remoteCall(principal: Principal, repo: OpenRepository, remote: string): Promise<RemoteCall> {
    const names = (await repo.git.run(['remote'])).split('\n').filter(Boolean);
    if (!names.includes(remote)) throw gitErrors.unknownRemote(remote);
    const url = (await repo.git.run(['remote', 'get-url', '--push', '--', remote])).trim();
    const location = parseRemote(url);
    if (!location) throw gitErrors.unsupportedRemote(url.replace(/\/\/[^@/]*@/, '//'));
    // Every URL git may use for this remote (fetch and push, after insteadOf), not just the first.
    const urls = [
      ...(await repo.git.run(['remote', 'get-url', '--all', '--', remote])).split('\n'),
      ...(await repo.git.run(['remote', 'get-url', '--push', '--all', '--', remote])).split('\n'),
    ].filter(Boolean);
    for (const each of urls) {
      const shown = parseRemote(each)?.display ?? each.replace(/\/\/[^@/]*@/, '//');
      if (!parseRemote(each)) throw gitErrors.unsupportedRemote(shown);
      if (isForeignLocalPath(each, repo.git.localRoots)) throw gitErrors.localRemoteRefused(remote, shown);
    }
    const credential = await this.credentialFor(principal, location);
    const options: RunOptions = {
      network: true,
      config: credential ? credentialConfig(url, credential) : [],
      redact: secretsOf(credential),
    };
    return {
      remote,
      location,
      run: (args) => repo.git.run(args, options).catch((error: unknown) => rethrowRemote(error, location)),
    };
  }

  private async credentialFor(
    principal: Principal,
    location: RemoteLocation,
  ): Promise<RemoteCredential | undefined> {
    // Over plain http a token would cross the network readable: only to this machine.
    const loopback = /^(127\.[0-9.]+|localhost|\[::1\])(:\d+)?$/.test(location.host);
    if (location.scheme !== 'https' && !(location.scheme === 'http' && loopback)) return undefined;
    return this.credentials.forHost(principal.user.id, location.host);
  }

  private async write<T>(
    principal: Principal,
    id: string,
    task: (repo: OpenRepository) => Promise<T>,
  ): Promise<T> {
    const repo = await this.open(principal, id, 'operate');
    await this.workspaces.touch(id);
    return this.lock.run(id, () => task(repo).catch((error: unknown) => rethrowCommon(error)));
  }
}

async function checkBranchName(git: WorkspaceGitRunner, name: string): Promise<void> {
  if ((await git.probe(['check-ref-format', '--branch', name])) === undefined)
    throw gitErrors.failed(`"${name}" is not a valid branch name`);
}

function rethrowSwitch(error: unknown): never {
  if (error instanceof GitError && /would be overwritten/.test(error.stderr)) {
    throw gitErrors.switchBlocked(overwritten(error.stderr));
  }
  throw error;
}

function rethrowRemote(error: unknown, location: RemoteLocation): never {
  if (!(error instanceof GitError)) throw error;
  const text = error.stderr;
  if (
    /Authentication failed|could not read (Username|Password)|terminal prompts disabled|returned error: 40[13]|Permission denied \(publickey/i.test(
      text,
    )
  )
    throw gitErrors.remoteAuth(location.host || location.display);
  if (
    /Could not resolve host|Connection refused|timed out|unable to access|Could not read from remote/i.test(
      text,
    )
  )
    throw gitErrors.remoteUnreachable(lastLine(text));
  throw error;
}

function rethrowCommon(error: unknown): never {
  if (!(error instanceof GitError)) throw error;
  if (/index\.lock|cannot lock ref|Unable to create .*\.lock/i.test(error.stderr)) throw gitErrors.busy();
  throw gitErrors.failed(lastLine(error.stderr) || error.message);
}

export function overwritten(stderr: string): string {
  const files = stderr
    .split('\n')
    .filter((l) => l.startsWith('\t'))
    .map((l) => l.trim());
  return files.length ? `Files: ${files.slice(0, 20).join(', ')}.` : '';
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim() && !l.startsWith('hint:'));
  return (lines.find((l) => /^(fatal|error):/.test(l)) ?? lines.at(-1) ?? '').trim();
}
