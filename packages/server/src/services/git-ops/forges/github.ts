import { z } from 'zod';
import type { ForgeClient, PullRequest, PullRequestStatus } from './forge.js';
import { ForgeHttp } from './forge.js';

const pull = z.object({
  number: z.number(),
  title: z.string(),
  html_url: z.string(),
  state: z.enum(['open', 'closed']),
  draft: z.boolean().optional(),
  merged_at: z.string().nullable().optional(),
  head: z.object({ ref: z.string(), sha: z.string() }),
  base: z.object({ ref: z.string() }),
  user: z.object({ login: z.string() }).nullable(),
  created_at: z.string(),
});
const combinedStatus = z.object({
  state: z.enum(['success', 'failure', 'pending', 'error']),
  total_count: z.number(),
  statuses: z.array(
    z.object({ context: z.string(), state: z.string(), target_url: z.string().nullable().optional() }),
  ),
});
const checkRuns = z.object({
  check_runs: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      conclusion: z.string().nullable(),
      html_url: z.string().nullable().optional(),
    }),
  ),
});
const reviews = z.array(z.object({ user: z.object({ login: z.string() }).nullable(), state: z.string() }));

/** GitHub and GitHub Enterprise REST (v3): pulls, combined status and check runs, reviews. */
export class GitHubClient implements ForgeClient {
  private readonly http: ForgeHttp;
  private readonly repo: string;
  private readonly owner: string;

  constructor(host: string, apiUrl: string, project: string, token: string) {
    this.repo = `/repos/${project.split('/').map(encodeURIComponent).join('/')}`;
    this.owner = project.split('/')[0] ?? '';
    this.http = new ForgeHttp(
      host,
      apiUrl,
      {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'hangar',
      },
      token,
    );
  }

  async defaultBranch(): Promise<string> {
    return (await this.http.call(z.object({ default_branch: z.string() }), 'GET', this.repo)).default_branch;
  }

  async create(input: { head: string; base: string; title: string; body: string; draft: boolean }) {
    return present(await this.http.call(pull, 'POST', `${this.repo}/pulls`, input));
  }

  async list(head: string): Promise<PullRequest[]> {
    const query = new URLSearchParams({ head: `${this.owner}:${head}`, state: 'all', per_page: '20' });
    return (await this.http.call(z.array(pull), 'GET', `${this.repo}/pulls?${query}`)).map(present);
  }

  async get(number: number): Promise<PullRequest> {
    return present(await this.http.call(pull, 'GET', `${this.repo}/pulls/${number}`));
  }

  async status(pr: PullRequest): Promise<PullRequestStatus> {
    const ref = encodeURIComponent(pr.sha);
    const [combined, runs, list] = await Promise.all([
      this.http.call(combinedStatus, 'GET', `${this.repo}/commits/${ref}/status`),
      this.http.call(checkRuns, 'GET', `${this.repo}/commits/${ref}/check-runs`),
      this.http.call(reviews, 'GET', `${this.repo}/pulls/${pr.number}/reviews`),
    ]);
    const checks = [
      ...combined.statuses.map((s) => ({ name: s.context, state: ciOf(s.state), url: s.target_url ?? null })),
      ...runs.check_runs.map((r) => ({
        name: r.name,
        state: r.status === 'completed' ? ciOf(r.conclusion ?? 'neutral') : ('pending' as const),
        url: r.html_url ?? null,
      })),
    ];
    return { ci: { state: combine(checks.map((c) => c.state)), checks }, review: reviewOf(list) };
  }
}

function present(p: z.infer<typeof pull>): PullRequest {
  return {
    number: p.number,
    title: p.title,
    url: p.html_url,
    state: p.merged_at ? 'merged' : p.state,
    draft: p.draft ?? false,
    head: p.head.ref,
    base: p.base.ref,
    author: p.user?.login ?? '',
    createdAt: p.created_at,
    sha: p.head.sha,
  };
}

function ciOf(state: string): 'success' | 'failure' | 'pending' {
  if (['success', 'neutral', 'skipped'].includes(state)) return 'success';
  if (['pending', 'queued', 'in_progress', 'expected', 'waiting', 'requested'].includes(state))
    return 'pending';
  return 'failure'; // failure, error, cancelled, timed_out, action_required, stale
}

export function combine(states: ('success' | 'failure' | 'pending' | 'none')[]) {
  if (states.length === 0) return 'none' as const;
  if (states.includes('failure')) return 'failure' as const;
  if (states.includes('pending')) return 'pending' as const;
  return 'success' as const;
}

/** Each reviewer's latest approving or blocking review counts; comments do not change it. */
function reviewOf(list: z.infer<typeof reviews>): PullRequestStatus['review'] {
  const latest = new Map<string, string>();
  for (const r of list) {
    if (['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED'].includes(r.state))
      latest.set(r.user?.login ?? '', r.state);
  }
  const states = [...latest.values()];
  const state = states.includes('CHANGES_REQUESTED')
    ? 'changes_requested'
    : states.includes('APPROVED')
      ? 'approved'
      : list.length > 0
        ? 'pending'
        : 'none';
  return { state, reviews: list.map((r) => ({ user: r.user?.login ?? '', state: r.state.toLowerCase() })) };
}
