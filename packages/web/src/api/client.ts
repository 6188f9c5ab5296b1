import { errorBody } from '@hangar/protocol';

/**
 * The smallest part of a zod schema the client needs, so responses are
 * checked where they enter the app without this module depending on zod.
 */
export interface Parser<T> {
  parse(data: unknown): T;
}

/** For responses whose body the caller does not use. */
export const ignoreBody: Parser<void> = { parse: () => undefined };

/** An error returned by the API, or one that stopped the request reaching it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status; 0 when the server could not be reached. */
  readonly status: number;
  /** Stable id from the server (`invalid_credentials`, …) or one of ours (`network_error`, `invalid_response`). */
  readonly id: string;
  /** Seconds until the request may be retried, when the server throttles. */
  readonly retryAfter: number | undefined;
  readonly details: unknown;

  constructor(status: number, id: string, message: string, retryAfter?: number, details?: unknown) {
    super(message);
    this.status = status;
    this.id = id;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: Method;
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiRequest<T>(
  path: string,
  parser: Parser<T>,
  options: RequestOptions = {},
): Promise<T> {
  const method = options.method ?? 'GET';
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: string | undefined;
  // Mutations always carry a JSON body (an empty object when there is
  // nothing to send) so the server can insist on application/json; DELETE
  // carries one only when given (a workspace's typed confirmation), because
  // an empty JSON body is a parse error in Fastify.
  if (method !== 'GET' && (method !== 'DELETE' || options.body !== undefined)) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body ?? {});
  }

  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body,
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (cause) {
    if (options.signal?.aborted) throw cause;
    throw new ApiError(
      0,
      'network_error',
      'Cannot reach the Hangar server. Check your connection and try again.',
    );
  }

  const data = await readJson(response);
  if (!response.ok) throw toApiError(response, data);
  try {
    return parser.parse(data);
  } catch (cause) {
    console.error(`Unexpected response from ${method} ${path}`, cause);
    throw new ApiError(
      response.status,
      'invalid_response',
      'The server sent a response this version of the web app does not understand. Try reloading the page.',
    );
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function toApiError(response: Response, data: unknown): ApiError {
  const parsed = errorBody.safeParse(data);
  const header = Number(response.headers.get('retry-after'));
  const headerRetry = Number.isFinite(header) && header > 0 ? header : undefined;
  if (parsed.success) {
    const { id, message, retryAfter, details } = parsed.data.error;
    return new ApiError(response.status, id, message, retryAfter ?? headerRetry, details);
  }
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText}.`,
    headerRetry,
  );
}

export function isApiError(error: unknown, id?: string): error is ApiError {
  return error instanceof ApiError && (id === undefined || error.id === id);
}
