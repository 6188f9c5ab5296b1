import type { PullRequestInfo } from '@hangar/protocol';
import { z } from 'zod';
import { redact } from '../../../git/safe-git.js';
import { gitErrors } from '../errors.js';

export type PullRequestStatus = NonNullable<PullRequestInfo['status']>;
export type PullRequest = Omit<PullRequestInfo, 'status'> & { sha: string };

/** One project on a code host, as seen with one user's token. */
export interface ForgeClient {
  defaultBranch(): Promise<string>;
  create(input: {
    head: string;
    base: string;
    title: string;
    body: string;
    draft: boolean;
  }): Promise<PullRequest>;
  /** Pull requests whose source is this branch, newest first. */
  list(head: string): Promise<PullRequest[]>;
  get(number: number): Promise<PullRequest>;
  status(pull: PullRequest): Promise<PullRequestStatus>;
}

const TIMEOUT_MS = 15_000;

/** JSON over HTTP to a forge API: bodies parsed with zod, errors mapped to 4xx/5xx ids, the token redacted. */
export class ForgeHttp {
  constructor(
    private readonly host: string,
    private readonly baseUrl: string,
    private readonly headers: Record<string, string>,
    private readonly token: string,
  ) {}

  async call<T>(schema: z.ZodType<T>, method: string, path: string, body?: unknown): Promise<T> {
    const url = `${this.baseUrl.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: { ...this.headers, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        redirect: 'error',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      throw gitErrors.forgeFailed(
        this.host,
        0,
        this.clean(`cannot be reached (${(error as Error).message})`),
      );
    }
    const text = await response.text();
    if (!response.ok) {
      const detail = this.clean(messageOf(text) || response.statusText);
      if (response.status >= 500) throw gitErrors.forgeFailed(this.host, response.status, detail);
      throw gitErrors.forgeRefused(this.host, response.status, detail);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw gitErrors.forgeFailed(this.host, response.status, 'the answer is not JSON');
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw gitErrors.forgeFailed(
        this.host,
        response.status,
        `unexpected answer: ${parsed.error.issues[0]?.message ?? ''} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`,
      );
    return parsed.data;
  }

  private clean(text: string): string {
    return redact(text, [this.token]).slice(0, 500);
  }
}

/** GitHub: `message` and `errors[].message`; GitLab: `message` (a string, list or object) or `error`. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown; errors?: { message?: string }[] };
    const parts = [body.message, body.error, ...(body.errors ?? []).map((e) => e.message)]
      .filter((p) => p !== undefined && p !== null)
      .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)));
    return parts.join(': ');
  } catch {
    return text.slice(0, 200);
  }
}
