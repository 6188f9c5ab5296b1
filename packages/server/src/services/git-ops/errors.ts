import { HangarError } from '../../errors.js';

/** Errors of the git API, each with a stable id and a message that says what to do. */
export const gitErrors = {
  notARepository: () =>
    new HangarError(
      'git_not_a_repository',
      409,
      'This workspace has no git repository: create it from a git source.',
    ),
  alreadyARepository: () =>
    new HangarError('git_already_a_repository', 409, 'This workspace is a git repository already.'),
  notReady: (name: string, state: string) =>
    new HangarError(
      'git_workspace_not_ready',
      409,
      `Workspace "${name}" is ${state}: its files are not there to use git on.`,
    ),
  notRunning: (name: string, state: string) =>
    new HangarError(
      'git_workspace_not_running',
      409,
      `Workspace "${name}" is ${state}: start the workspace first (git runs inside its sandbox).`,
    ),
  localRemoteRefused: (remote: string, url: string) =>
    new HangarError(
      'git_local_remote_refused',
      403,
      `The remote "${remote}" (${url}) is a local path outside this workspace: only paths under /workspace or the sandbox home can be fetched from or pushed to. Use an https or ssh URL.`,
    ),
  detachedHead: () =>
    new HangarError(
      'git_detached_head',
      409,
      'HEAD is not on a branch: switch to a branch or create one first.',
    ),
  branchExists: (name: string) =>
    new HangarError(
      'git_branch_exists',
      409,
      `A branch "${name}" exists: choose another name or switch to it.`,
    ),
  unknownRef: (name: string) =>
    new HangarError(
      'git_unknown_ref',
      404,
      `There is no branch or commit "${name}": fetch, or check the name.`,
    ),
  unknownRemote: (name: string) =>
    new HangarError('git_unknown_remote', 404, `The repository has no remote "${name}".`),
  switchBlocked: (detail: string) =>
    new HangarError(
      'git_switch_blocked',
      409,
      `Switching would overwrite uncommitted changes: commit or discard them first. ${detail}`,
    ),
  nothingToCommit: () =>
    new HangarError(
      'git_nothing_to_commit',
      409,
      'There is nothing to commit: the selected files have no changes.',
    ),
  pathNotChanged: (path: string) =>
    new HangarError(
      'git_path_not_changed',
      400,
      `"${path}" has no change to commit: pick files from the diff.`,
    ),
  pullConflict: (files: string[]) =>
    new HangarError(
      'git_pull_conflict',
      409,
      `Pulling conflicts in ${files.join(', ') || 'some files'}: the merge was aborted and nothing changed. Resolve it in a terminal.`,
      { details: { files } },
    ),
  notFastForward: () =>
    new HangarError(
      'git_not_fast_forward',
      409,
      'The branch and its upstream have diverged: pull with mode "merge", or rebase in a terminal.',
    ),
  pullBlocked: (detail: string) =>
    new HangarError(
      'git_pull_blocked',
      409,
      `Pulling would overwrite uncommitted changes: commit them first. ${detail}`,
    ),
  noUpstream: (branch: string) =>
    new HangarError(
      'git_no_upstream',
      409,
      `Branch "${branch}" has no upstream and the remote has no branch of that name: push it first.`,
    ),
  pushRejected: (detail: string) =>
    new HangarError(
      'git_push_rejected',
      409,
      `The remote refused the push (it has commits this branch lacks): pull first. ${detail}`,
    ),
  forcePushRefused: () =>
    new HangarError(
      'git_force_push_refused',
      403,
      "Force-pushing is off for this workspace's template: push without force, or ask an admin to set the template's git.allowForcePush.",
    ),
  protectedBranch: (branch: string, why: string) =>
    new HangarError(
      'git_protected_branch',
      403,
      `Pushing to "${branch}" is refused: it is ${why}. Push to another branch and open a pull request, or ask an admin to set the template's git.allowProtectedPush.`,
    ),
  remoteDeleteRefused: () =>
    new HangarError(
      'git_remote_delete_refused',
      403,
      "Deleting remote branches is off for this workspace's template: ask an admin to set the template's git.allowRemoteBranchDelete.",
    ),
  remoteAuth: (host: string) =>
    new HangarError(
      'git_remote_auth_failed',
      409,
      `The remote ${host} refused the credentials (or asked for some): add or replace your token for ${host} under Account › Git credentials.`,
    ),
  remoteUnreachable: (detail: string) =>
    new HangarError('git_remote_unreachable', 502, `The remote could not be reached: ${detail}`),
  busy: () =>
    new HangarError(
      'git_busy',
      409,
      'Another git command is running in this workspace (a lock file exists): try again in a moment.',
    ),
  failed: (detail: string) => new HangarError('git_failed', 409, `Git failed: ${detail}`),
  unsupportedRemote: (url: string) =>
    new HangarError(
      'git_unsupported_remote',
      409,
      `The remote URL ${url} is not https, http, ssh or a local path: Hangar cannot use it.`,
    ),
  credentialNotFound: () => new HangarError('not_found', 404, 'The credential was not found.'),
  forgeUnknown: (host: string) =>
    new HangarError(
      'forge_unknown',
      409,
      `${host} is not a configured GitHub or GitLab host: an admin can add it to HANGAR_FORGES.`,
    ),
  forgeNoCredential: (host: string) =>
    new HangarError(
      'forge_credential_missing',
      409,
      `You have no token for ${host}: add one under Account › Git credentials.`,
    ),
  forgeFailed: (host: string, status: number, detail: string) =>
    new HangarError('forge_failed', 502, `${host} answered ${status}: ${detail}`),
  forgeRefused: (host: string, status: number, detail: string) =>
    new HangarError('forge_refused', 409, `${host} refused the request (${status}): ${detail}`),
};
