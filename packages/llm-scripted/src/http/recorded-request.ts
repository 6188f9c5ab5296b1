import type { IncomingHttpHeaders } from 'node:http';
import type { RouteKind } from '../apis/routes.js';
import type { ApiName } from '../scenario/schema.js';

/** How a request was answered. */
export type RequestOutcome =
  'reply' | 'error' | 'cut' | 'client_closed' | 'invalid' | 'count_tokens' | 'models' | 'not_found';

/** One request the provider received, as tests and the `/_scripted/requests` endpoint see it. */
export interface RecordedRequest {
  /** 1, 2, 3, ... since the provider started (not reset by clearing). */
  id: number;
  /** ISO 8601 time of arrival. */
  at: string;
  method: string;
  /** Path and query string, as sent. */
  path: string;
  api: ApiName | null;
  endpoint: RouteKind | null;
  /** All headers as received, names in lower case, repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** The API key the client sent, from whichever place its API uses; null when none. */
  apiKey: string | null;
  apiKeySource: 'x-api-key' | 'authorization' | 'x-goog-api-key' | 'query' | null;
  /** The parsed JSON body, the raw text when it is not JSON, null when empty. */
  body: unknown;
  model: string | null;
  stream: boolean;
  /** The scenario turn that answered: index null means the fallback; null when no turn was picked. */
  turn: { index: number | null; name: string | null } | null;
  /** HTTP status sent (an error inside a stream keeps the 200). */
  status: number;
  outcome: RequestOutcome;
}

export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Finds the API key wherever a client of one of the APIs puts it. */
export function findApiKey(
  headers: Record<string, string>,
  url: URL,
): Pick<RecordedRequest, 'apiKey' | 'apiKeySource'> {
  if (headers['x-api-key']) return { apiKey: headers['x-api-key'], apiKeySource: 'x-api-key' };
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  if (bearer?.[1]) return { apiKey: bearer[1].trim(), apiKeySource: 'authorization' };
  if (headers['x-goog-api-key']) return { apiKey: headers['x-goog-api-key'], apiKeySource: 'x-goog-api-key' };
  const key = url.searchParams.get('key');
  if (key) return { apiKey: key, apiKeySource: 'query' };
  return { apiKey: null, apiKeySource: null };
}
