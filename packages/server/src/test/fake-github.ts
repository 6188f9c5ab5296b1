import { ScriptedJsonServer, type RecordedRequest } from './forge-server.js';

interface Pull {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  draft: boolean;
  sha: string;
  user: string;
  created_at: string;
}

/**
 * GitHub's REST API (v3) as far as Hangar uses it, answering with the real
 * response shapes: repository, pulls (create, list by head, get), the
 * combined commit status, check runs and reviews. Requests need
 * `Authorization: Bearer <token>` with the token given.
 */
export class FakeGitHub extends ScriptedJsonServer {
  readonly pulls: Pull[] = [];
  /** Commit statuses and check runs by sha, reviews by pull number: what a test sets. */
  readonly statuses = new Map<string, { context: string; state: string; target_url: string }[]>();
  readonly checkRuns = new Map<string, { name: string; status: string; conclusion: string | null }[]>();
  readonly reviews = new Map<number, { login: string; state: string }[]>();

  constructor(
    readonly token: string,
    private readonly headSha: (branch: string) => string,
  ) {
    super();
    const repo = '^/repos/([^/]+)/([^/]+)';
    this.route('GET', new RegExp(`${repo}$`), (req, m) =>
      this.authed(req, () => ({
        status: 200,
        body: { id: 1, name: m[2], full_name: `${m[1]}/${m[2]}`, default_branch: 'main', private: false },
      })),
    );
    this.route('POST', new RegExp(`${repo}/pulls$`), (req, m) => this.authed(req, () => this.create(req, m)));
    this.route('GET', new RegExp(`${repo}/pulls$`), (req, m) =>
      this.authed(req, () => {
        const head = new URL(req.path, 'http://x').searchParams.get('head') ?? '';
        const found = this.pulls.filter((p) => `${m[1]}:${p.head}` === head || head === '').reverse();
        return { status: 200, body: found.map((p) => this.present(p, m)) };
      }),
    );
    this.route('GET', new RegExp(`${repo}/pulls/(\\d+)$`), (req, m) =>
      this.authed(req, () => {
        const pull = this.pulls.find((p) => p.number === Number(m[3]));
        return pull
          ? { status: 200, body: this.present(pull, m) }
          : { status: 404, body: { message: 'Not Found' } };
      }),
    );
    this.route('GET', new RegExp(`${repo}/commits/([^/]+)/status$`), (req, m) =>
      this.authed(req, () => {
        const statuses = this.statuses.get(m[3]!) ?? [];
        const state = statuses.some((s) => s.state === 'failure' || s.state === 'error')
          ? 'failure'
          : statuses.length > 0 && statuses.every((s) => s.state === 'success')
            ? 'success'
            : 'pending';
        const body = {
          state,
          sha: m[3],
          total_count: statuses.length,
          statuses: statuses.map((s, i) => ({
            id: i + 1,
            description: '',
            created_at: '2026-01-01T00:00:00Z',
            ...s,
          })),
        };
        return { status: 200, body };
      }),
    );
    this.route('GET', new RegExp(`${repo}/commits/([^/]+)/check-runs$`), (req, m) =>
      this.authed(req, () => {
        const runs = this.checkRuns.get(m[3]!) ?? [];
        const check_runs = runs.map((r, i) => ({
          id: i + 1,
          head_sha: m[3],
          html_url: `https://github.example/runs/${i + 1}`,
          ...r,
        }));
        return { status: 200, body: { total_count: runs.length, check_runs } };
      }),
    );
    this.route('GET', new RegExp(`${repo}/pulls/(\\d+)/reviews$`), (req, m) =>
      this.authed(req, () => {
        const list = this.reviews.get(Number(m[3])) ?? [];
        const body = list.map((r, i) => ({
          id: i + 1,
          user: { login: r.login, id: i + 10 },
          body: '',
          state: r.state,
          submitted_at: '2026-01-01T00:00:00Z',
        }));
        return { status: 200, body };
      }),
    );
  }

  /** Requests to paths matching `pattern`. */
  received(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  private authed(req: RecordedRequest, then: () => { status: number; body: unknown }) {
    if (req.headers.authorization !== `Bearer ${this.token}`)
      return {
        status: 401,
        body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' },
      };
    return then();
  }

  private create(req: RecordedRequest, m: RegExpExecArray) {
    const input = req.body as {
      title?: string;
      head?: string;
      base?: string;
      body?: string;
      draft?: boolean;
    };
    if (!input.title || !input.head || !input.base)
      return {
        status: 422,
        body: { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'missing_field' }] },
      };
    if (this.pulls.some((p) => p.head === input.head && p.base === input.base))
      return {
        status: 422,
        body: {
          message: 'Validation Failed',
          errors: [
            {
              resource: 'PullRequest',
              code: 'custom',
              message: `A pull request already exists for ${m[1]}:${input.head}.`,
            },
          ],
        },
      };
    const pull: Pull = {
      number: this.pulls.length + 1,
      title: input.title,
      body: input.body ?? '',
      head: input.head,
      base: input.base,
      draft: input.draft ?? false,
      sha: this.headSha(input.head),
      user: 'ada-gh',
      created_at: new Date().toISOString(),
    };
    this.pulls.push(pull);
    return { status: 201, body: this.present(pull, m) };
  }

  private present(p: Pull, m: RegExpExecArray) {
    const [owner, name] = [m[1], m[2]];
    return {
      url: `${this.url}/repos/${owner}/${name}/pulls/${p.number}`,
      id: 1000 + p.number,
      html_url: `https://github.example/${owner}/${name}/pull/${p.number}`,
      number: p.number,
      state: 'open',
      locked: false,
      title: p.title,
      user: { login: p.user, id: 7 },
      body: p.body,
      created_at: p.created_at,
      updated_at: p.created_at,
      closed_at: null,
      merged_at: null,
      draft: p.draft,
      head: { label: `${owner}:${p.head}`, ref: p.head, sha: p.sha, user: { login: owner } },
      base: { label: `${owner}:${p.base}`, ref: p.base, sha: '0'.repeat(40), user: { login: owner } },
    };
  }
}
