import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkspaceSource } from '@hangar/protocol';
import { SANDBOX_HOME, SANDBOX_USER, type SandboxDriver, type SandboxSpec } from '../../sandbox/driver.js';
import { sandboxOf, type Sandbox } from '../../sandbox/sandbox.js';
import { cloneNetwork, pinnedClone, type CloneOrigin } from './clone-policy.js';
import { runGitScript } from './sandbox-git.js';
import { worktreeBranch } from './sources.js';

/** How long a clone may take before it is stopped, in ms. */
export const CLONE_TIMEOUT_MS = 10 * 60_000;
const WORKTREE_TIMEOUT_MS = 5 * 60_000;

/*
 * A new workspace's files come from git run in a sandbox of the workspace
 * (its driver, uid and empty work dir) started for this alone, before the
 * workspace's own sandbox: it holds no token, runs nothing but git, and sees
 * only what git needs. A clone from a URL gets a network of its own (policy
 * `full`: the outside world, never the host's loopback, link-local addresses
 * or the template's blockedNetworks), as the workspace's own sandbox may reach
 * nothing but Hangar; a template with network `none` clones no URL. A clone
 * of a repository under the allowed roots sees that repository read-only and
 * no network. A worktree sees its repository's .git as the workspace will
 * (read-only but for objects, refs, logs) and the worktrees/ dir where git
 * adds its admin dir.
 */

export interface PrepareRequest {
  driver: SandboxDriver;
  /** The workspace's sandbox spec; the preparation sandbox is this with its own network, binds and env. */
  spec: SandboxSpec;
  source: WorkspaceSource;
  workspaceName: string;
  /** The checked origin of a `git` source (see checkCloneUrl), resolved again just before. */
  origin?: CloneOrigin;
  /** The repository's common git dir, for a `local` source. */
  gitDir?: string;
  /** The template's network policy and name, for a clone's network. */
  template: { name: string; network: SandboxSpec['network'] };
  cloneTimeoutMs?: number;
}

/** Fills the (empty) work dir from the source; returns the branch of a worktree. */
export async function prepareWorkTree(request: PrepareRequest): Promise<string | null> {
  const { driver, spec, source } = request;
  if (source.type === 'empty') return null;
  const prep = preparationSpec(request);
  await driver.create(prep);
  await driver.start(prep);
  const sandbox = sandboxOf(driver, prep);
  const stop = () => driver.stop(prep);
  try {
    if (source.type === 'git') {
      await clone(request, sandbox, stop);
      return null;
    }
    const branch = worktreeBranch(request.workspaceName);
    await runGitScript(
      sandbox,
      'git worktree add',
      WORKTREE_ADD,
      [branch, source.baseRef ?? 'HEAD', spec.workDir],
      {
        env: { GIT_DIR: request.gitDir! },
        cwd: '/',
        timeoutMs: WORKTREE_TIMEOUT_MS,
        stop,
      },
    );
    return branch;
  } finally {
    await driver.stop(prep);
    await driver.release(prep);
  }
}

/** A branch left by an earlier workspace of this name is reused, so no work on it is lost. */
const WORKTREE_ADD = `if git show-ref --verify --quiet "refs/heads/$1"; then
  git worktree add -- "$3" "$1"
else
  git worktree add -b "$1" -- "$3" "$2"
fi`;

const CLONE = 'exec git "$@"';

async function clone(request: PrepareRequest, sandbox: Sandbox, stop: () => Promise<void>): Promise<void> {
  const { source, origin } = request;
  if (source.type !== 'git' || !origin) throw new Error('a git source needs its checked origin');
  const pinned =
    origin.kind === 'remote' ? pinnedClone(origin) : { url: `file://${origin.path}`, config: [] };
  const config = pinned.config.flatMap(([key, value]) => ['-c', `${key}=${value}`]);
  const branch = source.branch ? ['--branch', source.branch] : [];
  const args = [...config, 'clone', '--upload-pack=git-upload-pack', '--no-recurse-submodules', '--quiet'];
  await runGitScript(sandbox, 'git clone', CLONE, [...args, ...branch, '--', pinned.url, '.'], {
    timeoutMs: request.cloneTimeoutMs ?? CLONE_TIMEOUT_MS,
    stop,
  });
}

function preparationSpec(request: PrepareRequest): SandboxSpec {
  const { spec, source, origin, gitDir } = request;
  const network = cloneNetwork(
    origin?.kind === 'remote',
    request.template,
    request.driver.capabilities.networkPolicies,
  );
  const binds: NonNullable<SandboxSpec['binds']> = [];
  if (origin?.kind === 'path')
    binds.push({ hostPath: origin.path, sandboxPath: origin.path, readOnly: true });
  if (source.type === 'local' && gitDir) {
    binds.push({ hostPath: gitDir, sandboxPath: gitDir, readOnly: true });
    for (const name of ['objects', 'refs', 'logs', 'worktrees'])
      binds.push({ hostPath: join(gitDir, name), sandboxPath: join(gitDir, name), readOnly: false });
    // At its host path too: git records the worktree's path in the repository.
    binds.push({ hostPath: spec.workDir, sandboxPath: spec.workDir, readOnly: false });
  }
  return {
    ...spec,
    network,
    binds,
    env: {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: SANDBOX_HOME,
      USER: SANDBOX_USER,
      LOGNAME: SANDBOX_USER,
      LANG: 'C.UTF-8',
    },
  };
}

/** The dirs a worktree's preparation binds writable must exist on the host. */
export async function prepareGitDirBinds(gitDir: string): Promise<void> {
  for (const name of ['objects', 'refs', 'logs', 'worktrees'])
    await mkdir(join(gitDir, name), { recursive: true });
}
