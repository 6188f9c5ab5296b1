import type { GitBranches } from '@hangar/protocol';
import { parseRemote } from './remote.js';
import type { WorkspaceGitRunner } from './runner.js';

const FORMAT = [
  '%(refname)',
  '%(objectname)',
  '%(upstream:short)',
  '%(upstream:track,nobracket)',
  '%(symref)',
].join('%00');

/** Branches, remotes and HEAD of the workspace's repository, in four git calls. */
export async function readBranches(git: WorkspaceGitRunner): Promise<GitBranches> {
  const [refs, current, head, remotes] = await Promise.all([
    git.run(['for-each-ref', `--format=${FORMAT}`, 'refs/heads', 'refs/remotes']),
    git.probe(['symbolic-ref', '--quiet', '--short', 'HEAD']),
    git.probe(['rev-parse', '--verify', '--quiet', 'HEAD']),
    git.run(['remote']),
  ]);
  const remoteNames = remotes.split('\n').filter(Boolean);
  const branches: GitBranches = {
    current: current?.trim() || null,
    head: head?.trim() || null,
    defaultBranch: null,
    local: [],
    remote: [],
    remotes: await Promise.all(
      remoteNames.map(async (name) => {
        const url = (await git.probe(['remote', 'get-url', '--', name]))?.trim() ?? '';
        return { name, url: parseRemote(url)?.display ?? url.replace(/\/\/[^@/]*@/, '//') };
      }),
    ),
  };
  for (const line of refs.split('\n').filter(Boolean)) {
    const [ref = '', sha = '', upstream = '', track = '', symref = ''] = line.split('\0');
    if (ref.startsWith('refs/heads/')) {
      const name = ref.slice('refs/heads/'.length);
      branches.local.push({
        name,
        sha,
        upstream: upstream || null,
        ahead: Number(/ahead (\d+)/.exec(track)?.[1] ?? 0),
        behind: Number(/behind (\d+)/.exec(track)?.[1] ?? 0),
        current: name === branches.current,
      });
      continue;
    }
    const rest = ref.slice('refs/remotes/'.length);
    const remote = remoteNames.find((r) => rest.startsWith(`${r}/`));
    if (!remote) continue;
    const name = rest.slice(remote.length + 1);
    if (name === 'HEAD') {
      if (remote === 'origin' && symref) branches.defaultBranch = symref.replace('refs/remotes/origin/', '');
      continue;
    }
    branches.remote.push({ remote, name, sha });
  }
  return branches;
}

/** The branch HEAD is on, or undefined when detached. */
export async function currentBranch(git: WorkspaceGitRunner): Promise<string | undefined> {
  return (await git.probe(['symbolic-ref', '--quiet', '--short', 'HEAD']))?.trim() || undefined;
}

export async function refExists(git: WorkspaceGitRunner, ref: string): Promise<boolean> {
  return (
    (await git.probe(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])) !==
    undefined
  );
}
