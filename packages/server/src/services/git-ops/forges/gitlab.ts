import { z } from 'zod';
import type { ForgeClient, PullRequest, PullRequestStatus } from './forge.js';
import { ForgeHttp } from './forge.js';

const mergeRequest = z.object({
  iid: z.number(),
  title: z.string(),
  web_url: z.string(),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  draft: z.boolean().optional(),
  source_branch: z.string(),
  target_branch: z.string(),
  author: z.object({ username: z.string() }).nullable(),
  created_at: z.string(),
  sha: z.string().nullable(),
});
const pipelines = z.array(z.object({ id: z.number(), status: z.string(), web_url: z.string().optional() }));
const approvals = z.object({
  approved: z.boolean().optional(),
  approvals_left: z.number().optional(),
  approved_by: z.array(z.object({ user: z.object({ username: z.string() }) })).default([]),
});

/** GitLab (gitlab.com or self-hosted) REST v4: merge requests, their pipelines and approvals. */
export class GitLabClient implements ForgeClient {
  private readonly http: ForgeHttp;
  private readonly project: string;

  constructor(host: string, apiUrl: string, project: string, token: string) {
    this.project = `/projects/${encodeURIComponent(project)}`;
    this.http = new ForgeHttp(host, apiUrl, { 'private-token': token, 'user-agent': 'hangar' }, token);
  }

  async defaultBranch(): Promise<string> {
    return (await this.http.call(z.object({ default_branch: z.string() }), 'GET', this.project))
      .default_branch;
  }

  async create(input: { head: string; base: string; title: string; body: string; draft: boolean }) {
    const body = {
      source_branch: input.head,
      target_branch: input.base,
      // GitLab marks a merge request draft by its title.
      title: input.draft ? `Draft: ${input.title}` : input.title,
      description: input.body,
      remove_source_branch: false,
    };
    return present(await this.http.call(mergeRequest, 'POST', `${this.project}/merge_requests`, body));
  }

  async list(head: string): Promise<PullRequest[]> {
    const query = new URLSearchParams({
      source_branch: head,
      state: 'all',
      order_by: 'created_at',
      per_page: '20',
    });
    return (
      await this.http.call(z.array(mergeRequest), 'GET', `${this.project}/merge_requests?${query}`)
    ).map(present);
  }

  async get(number: number): Promise<PullRequest> {
    return present(await this.http.call(mergeRequest, 'GET', `${this.project}/merge_requests/${number}`));
  }

  async status(mr: PullRequest): Promise<PullRequestStatus> {
    const [list, approval] = await Promise.all([
      this.http.call(pipelines, 'GET', `${this.project}/merge_requests/${mr.number}/pipelines`),
      this.http.call(approvals, 'GET', `${this.project}/merge_requests/${mr.number}/approvals`),
    ]);
    const latest = list[0];
    const checks = latest
      ? [{ name: `pipeline #${latest.id}`, state: ciOf(latest.status), url: latest.web_url ?? null }]
      : [];
    const reviews = approval.approved_by.map((a) => ({ user: a.user.username, state: 'approved' }));
    // Approvals still required keep it pending, whoever approved already.
    const state =
      (approval.approvals_left ?? 0) > 0 || approval.approved === false
        ? 'pending'
        : reviews.length > 0
          ? 'approved'
          : 'none';
    return { ci: { state: checks[0]?.state ?? 'none', checks }, review: { state, reviews } };
  }
}

function present(mr: z.infer<typeof mergeRequest>): PullRequest {
  return {
    number: mr.iid,
    title: mr.title,
    url: mr.web_url,
    state: mr.state === 'opened' ? 'open' : mr.state === 'merged' ? 'merged' : 'closed',
    draft: mr.draft ?? false,
    head: mr.source_branch,
    base: mr.target_branch,
    author: mr.author?.username ?? '',
    createdAt: mr.created_at,
    sha: mr.sha ?? '',
  };
}

function ciOf(status: string): 'success' | 'failure' | 'pending' {
  if (status === 'success' || status === 'skipped') return 'success';
  if (['failed', 'canceled'].includes(status)) return 'failure';
  return 'pending'; // created, waiting_for_resource, preparing, pending, running, manual, scheduled
}
