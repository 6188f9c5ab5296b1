import { ScriptedJsonServer, type RecordedRequest } from './forge-server.js';

interface MergeRequest {
  iid: number;
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  sha: string;
  created_at: string;
}

/**
 * GitLab's REST API (v4) as far as Hangar uses it, with the real response
 * shapes: project, merge requests (create, list by source branch, get),
 * their pipelines and approvals. Requests need `PRIVATE-TOKEN: <token>`.
 * Projects are addressed by URL-encoded path (`group%2Fapp`).
 */
export class FakeGitLab extends ScriptedJsonServer {
  readonly mergeRequests: MergeRequest[] = [];
  /** Pipelines (newest first) and approvers by merge request iid; what a test sets. */
  readonly pipelines = new Map<number, { id: number; status: string }[]>();
  readonly approvedBy = new Map<number, string[]>();
  approvalsRequired = 1;

  constructor(
    readonly token: string,
    private readonly headSha: (branch: string) => string,
  ) {
    super();
    const project = '^/api/v4/projects/([^/]+)';
    this.route('GET', new RegExp(`${project}$`), (req, m) =>
      this.authed(req, () => ({
        status: 200,
        body: {
          id: 42,
          path_with_namespace: decodeURIComponent(m[1]!),
          default_branch: 'main',
          visibility: 'private',
        },
      })),
    );
    this.route('POST', new RegExp(`${project}/merge_requests$`), (req, m) =>
      this.authed(req, () => this.create(req, m)),
    );
    this.route('GET', new RegExp(`${project}/merge_requests$`), (req, m) =>
      this.authed(req, () => {
        const source = new URL(req.path, 'http://x').searchParams.get('source_branch');
        const found = this.mergeRequests.filter((mr) => !source || mr.source_branch === source).reverse();
        return { status: 200, body: found.map((mr) => this.present(mr, m)) };
      }),
    );
    this.route('GET', new RegExp(`${project}/merge_requests/(\\d+)$`), (req, m) =>
      this.authed(req, () => {
        const mr = this.mergeRequests.find((x) => x.iid === Number(m[2]));
        return mr
          ? { status: 200, body: this.present(mr, m) }
          : { status: 404, body: { message: '404 Not found' } };
      }),
    );
    this.route('GET', new RegExp(`${project}/merge_requests/(\\d+)/pipelines$`), (req, m) =>
      this.authed(req, () => {
        const mr = this.mergeRequests.find((x) => x.iid === Number(m[2]));
        const list = (this.pipelines.get(Number(m[2])) ?? []).map((p) => ({
          ...p,
          sha: mr?.sha,
          ref: mr?.source_branch,
          web_url: `https://gitlab.example/${decodeURIComponent(m[1]!)}/-/pipelines/${p.id}`,
        }));
        return { status: 200, body: list };
      }),
    );
    this.route('GET', new RegExp(`${project}/merge_requests/(\\d+)/approvals$`), (req, m) =>
      this.authed(req, () => {
        const by = this.approvedBy.get(Number(m[2])) ?? [];
        const left = Math.max(0, this.approvalsRequired - by.length);
        const body = {
          id: 5,
          iid: Number(m[2]),
          project_id: 42,
          approved: left === 0,
          approvals_required: this.approvalsRequired,
          approvals_left: left,
          approved_by: by.map((username, i) => ({ user: { id: i + 1, username, name: username } })),
        };
        return { status: 200, body };
      }),
    );
  }

  received(method: string, pattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pattern.test(r.path));
  }

  private authed(req: RecordedRequest, then: () => { status: number; body: unknown }) {
    if (req.headers['private-token'] !== this.token)
      return { status: 401, body: { message: '401 Unauthorized' } };
    return then();
  }

  private create(req: RecordedRequest, m: RegExpExecArray) {
    const input = req.body as {
      source_branch?: string;
      target_branch?: string;
      title?: string;
      description?: string;
    };
    if (!input.source_branch || !input.target_branch || !input.title)
      return { status: 400, body: { message: { title: ["can't be blank"] } } };
    if (
      this.mergeRequests.some(
        (x) => x.source_branch === input.source_branch && x.target_branch === input.target_branch,
      )
    )
      return {
        status: 409,
        body: { message: ['Another open merge request already exists for this source branch: !1'] },
      };
    const mr: MergeRequest = {
      iid: this.mergeRequests.length + 1,
      title: input.title,
      description: input.description ?? '',
      source_branch: input.source_branch,
      target_branch: input.target_branch,
      sha: this.headSha(input.source_branch),
      created_at: new Date().toISOString(),
    };
    this.mergeRequests.push(mr);
    return { status: 201, body: this.present(mr, m) };
  }

  private present(mr: MergeRequest, m: RegExpExecArray) {
    const path = decodeURIComponent(m[1]!);
    return {
      id: 100 + mr.iid,
      iid: mr.iid,
      project_id: 42,
      title: mr.title,
      description: mr.description,
      state: 'opened',
      created_at: mr.created_at,
      updated_at: mr.created_at,
      target_branch: mr.target_branch,
      source_branch: mr.source_branch,
      author: { id: 3, username: 'ada-gl', name: 'Ada' },
      draft: mr.title.startsWith('Draft:'),
      work_in_progress: mr.title.startsWith('Draft:'),
      merge_status: 'can_be_merged',
      sha: mr.sha,
      web_url: `https://gitlab.example/${path}/-/merge_requests/${mr.iid}`,
    };
  }
}
