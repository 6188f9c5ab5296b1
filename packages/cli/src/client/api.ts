import { errorBody } from '@hangar/protocol';
import type { z } from 'zod';
import { CliError, EXIT, exitCodeFor, networkReason } from './errors.js';
import type { Target } from './credentials.js';
import { CLI_VERSION } from '../version.js';

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * The REST API of one Hangar server, with the bearer token of the login (if
 * any). Every failure becomes a CliError: the server's error id and message,
 * or which URL could not be reached and why.
 */
export class ApiClient {
  constructor(readonly target: Target) {}

  get url(): string {
    return this.target.url;
  }

  /** Sends a request and returns the response when it is a success. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = this.resolve(path, options.query);
    const headers: Record<string, string> = {
      'user-agent': `hangar-cli/${CLI_VERSION}`,
      ...(this.target.token && { authorization: `Bearer ${this.target.token}` }),
      ...(options.body !== undefined && { 'content-type': 'application/json' }),
      ...options.headers,
    };
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
        ...(options.signal && { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new CliError(`cannot reach ${url}: ${networkReason(error)}`, EXIT.unreachable);
    }
    if (!response.ok) throw await serverError(response, method, url);
    return response;
  }

  /** A JSON request whose answer is parsed with `schema`. */
  async json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.infer<S>> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new CliError(`${method} ${response.url}: the answer is not JSON (is this a Hangar server?)`);
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(
        `${method} ${response.url}: unexpected answer (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}); is the server the same version as this CLI?`,
      );
    }
    return parsed.data;
  }

  get<S extends z.ZodType>(path: string, schema: S, query?: RequestOptions['query']): Promise<z.infer<S>> {
    return this.json('GET', path, schema, query ? { query } : {});
  }

  post<S extends z.ZodType>(path: string, schema: S, body: unknown = {}): Promise<z.infer<S>> {
    return this.json('POST', path, schema, { body });
  }

  resolve(path: string, query?: RequestOptions['query']): string {
    const url = new URL(`${this.target.url}${path}`);
    for (const [key, value] of Object.entries(query ?? {}))
      if (value !== undefined) url.searchParams.set(key, value);
    return url.toString();
  }
}

/** One line from the server's error body: "message [error_id]", with the exit code its status implies. */
async function serverError(response: Response, method: string, url: string): Promise<CliError> {
  const text = await response.text().catch(() => '');
  let parsed: ReturnType<typeof errorBody.safeParse> | undefined;
  try {
    parsed = errorBody.safeParse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  if (parsed?.success) {
    const { id, message, retryAfter } = parsed.data.error;
    const retry = retryAfter !== undefined ? ` (retry in ${retryAfter} s)` : '';
    return new CliError(`${message}${retry} [${id}]`, exitCodeFor(response.status), id);
  }
  return new CliError(
    `${method} ${url}: HTTP ${response.status} ${response.statusText}`.trim(),
    exitCodeFor(response.status),
  );
}
