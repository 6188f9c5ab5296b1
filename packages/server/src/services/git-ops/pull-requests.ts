import type { Kysely } from 'kysely';
import type { PullRequestInfo } from '@hangar/protocol';
import type { Config } from '../../config/index.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { currentBranch } from './branches.js';
import { gitErrors } from './errors.js';
import type { ForgeClient, PullRequest } from './forges/forge.js';
import { GitHubClient } from './forges/github.js';
import { GitLabClient } from './forges/gitlab.js';
import type { GitService, OpenRepository } from './git-service.js';
import { parseRemote } from './remote.js';
import { agentSummary } from './summary.js';

/** Pull requests with status for at most this many (each costs a few API calls). */
const STATUS_LIMIT = 5;

interface Forge {
  kind: 'github' | 'gitlab';
  host: string;
  project: string;
  apiUrl: string;
}

/**
 * Pull (GitHub) and merge (GitLab) requests of a workspace's branch, made
 * with the caller's stored token for origin's host.
 */
export class PullRequestService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Pick<Config, 'forges'>,
    private readonly git: GitService,
  ) {}

  async list(principal: Principal, id: string) {
    const repo = await this.git.open(principal, id, 'read');
    const { forge, client } = await this.client(principal, repo);
    const branch = (await currentBranch(repo.git)) ?? null;
    const pulls = branch ? await client.list(branch) : [];
    const shown = await Promise.all(
      pulls.map(async (p, i) => (i < STATUS_LIMIT ? { ...p, status: await client.status(p) } : p)),
    );
    return { forge: await this.info(principal, forge), branch, pulls: shown.map(present) };
  }

  async get(principal: Principal, id: string, number: number): Promise<PullRequestInfo> {
    const repo = await this.git.open(principal, id, 'read');
    const { client } = await this.client(principal, repo);
    const pull = await client.get(number);
    return present({ ...pull, status: await client.status(pull) });
  }

  async create(
    principal: Principal,
    id: string,
    input: { title: string; body: string; base?: string | undefined; draft: boolean },
  ): Promise<PullRequestInfo> {
    const repo = await this.git.open(principal, id, 'operate');
    const { client } = await this.client(principal, repo);
    const head = await currentBranch(repo.git);
    if (!head) throw gitErrors.detachedHead();
    const base = input.base ?? (await client.defaultBranch());
    const pull = await client.create({
      head,
      base,
      title: input.title,
      body: input.body,
      draft: input.draft,
    });
    return present(pull);
  }

  /** What the create form starts with; works without a forge or a token (it then says so). */
  async draft(principal: Principal, id: string) {
    const repo = await this.git.open(principal, id, 'read');
    const forge = await this.forgeOf(repo).catch(() => undefined);
    const head = (await currentBranch(repo.git)) ?? null;
    const base = (await repo.git.probe(['symbolic-ref', '--quiet', '--short', 'refs/remotes/origin/HEAD']))
      ?.trim()
      .replace(/^origin\//, '');
    const range = base ? [`refs/remotes/origin/${base}..HEAD`] : ['-20', 'HEAD'];
    const log = (await repo.git.probe(['log', '--no-show-signature', '--format=%s', '-50', ...range])) ?? '';
    const subjects = log.split('\n').filter(Boolean);
    const summary = await agentSummary(this.db, repo.row.id);
    const commits = subjects.map((s) => `- ${s}`).join('\n');
    return {
      forge: forge ? await this.info(principal, forge) : null,
      head,
      base: base ?? null,
      title: subjects.length === 1 ? subjects[0]! : (subjects.at(-1) ?? head ?? ''),
      body: summary ?? commits,
      bodySource: summary ? ('agent' as const) : commits ? ('commits' as const) : ('none' as const),
    };
  }

  private async forgeOf(repo: OpenRepository): Promise<Forge> {
    const url = (await repo.git.probe(['remote', 'get-url', '--', 'origin']))?.trim();
    if (!url) throw gitErrors.unknownRemote('origin');
    const location = parseRemote(url);
    if (!location?.host) throw gitErrors.forgeUnknown(location?.display ?? url);
    const forge = Object.hasOwn(this.config.forges, location.host)
      ? this.config.forges[location.host]
      : undefined;
    if (!forge) throw gitErrors.forgeUnknown(location.host);
    return { kind: forge.kind, host: location.host, project: location.path, apiUrl: forge.apiUrl };
  }

  private async client(
    principal: Principal,
    repo: OpenRepository,
  ): Promise<{ forge: Forge; client: ForgeClient }> {
    const forge = await this.forgeOf(repo);
    const credential = await this.git.credentials.forHost(principal.user.id, forge.host);
    if (!credential) throw gitErrors.forgeNoCredential(forge.host);
    const Client = forge.kind === 'github' ? GitHubClient : GitLabClient;
    return { forge, client: new Client(forge.host, forge.apiUrl, forge.project, credential.token) };
  }

  private async info(principal: Principal, forge: Forge) {
    const hasCredential = await this.git.credentials.has(principal.user.id, forge.host);
    return { kind: forge.kind, host: forge.host, project: forge.project, hasCredential };
  }
}

function present(pull: PullRequest & { status?: PullRequestInfo['status'] }): PullRequestInfo {
  const { sha: _sha, ...rest } = pull;
  return rest;
}
