import type { ProviderConfig } from '../config/index.js';
import { proxyErrors } from './proxy-errors.js';
import type { LlmApi } from './usage.js';

type Kind = ProviderConfig['kind'];

/** One provider endpoint the proxy forwards to; nothing else of the provider is reachable with its key. */
export interface Endpoint {
  method: 'GET' | 'POST';
  path: RegExp;
  api: LlmApi;
  /** Where the model billed for the call is named: the body's `model`, the path, or nowhere (listings). */
  model: 'body' | 'path' | 'none';
  /** How an error message names it. */
  label: string;
}

/** A model id as it may appear in a path: no dot first, so never a dot-segment. */
const ID = '[A-Za-z0-9][A-Za-z0-9._-]*';

/**
 * Inference, token counting and model listings: what the four agent CLIs
 * (Claude Code, Codex, Gemini CLI, Pi) call. Files, batches, fine-tuning,
 * caches, admin and organisation endpoints are not reachable.
 */
const ENDPOINTS: Record<Kind, Endpoint[]> = {
  anthropic: [
    {
      method: 'POST',
      path: /^\/v1\/messages$/,
      api: 'anthropic-messages',
      model: 'body',
      label: 'POST /v1/messages',
    },
    {
      method: 'POST',
      path: /^\/v1\/messages\/count_tokens$/,
      api: 'anthropic-count-tokens',
      model: 'body',
      label: 'POST /v1/messages/count_tokens',
    },
    {
      method: 'GET',
      path: new RegExp(`^/v1/models(/${ID})?$`),
      api: 'other',
      model: 'none',
      label: 'GET /v1/models[/{model}]',
    },
  ],
  openai: [
    {
      method: 'POST',
      path: /^\/v1\/chat\/completions$/,
      api: 'openai-chat',
      model: 'body',
      label: 'POST /v1/chat/completions',
    },
    {
      method: 'POST',
      path: /^\/v1\/responses$/,
      api: 'openai-responses',
      model: 'body',
      label: 'POST /v1/responses',
    },
    {
      method: 'POST',
      path: /^\/v1\/responses\/input_tokens$/,
      api: 'other',
      model: 'body',
      label: 'POST /v1/responses/input_tokens',
    },
    {
      method: 'GET',
      path: new RegExp(`^/v1/models(/${ID})?$`),
      api: 'other',
      model: 'none',
      label: 'GET /v1/models[/{model}]',
    },
  ],
  gemini: [
    {
      method: 'POST',
      path: new RegExp(`^/(v1|v1beta)/models/(${ID}):(generateContent|streamGenerateContent)$`),
      api: 'gemini',
      model: 'path',
      label: 'POST /v1beta/models/{model}:generateContent|streamGenerateContent',
    },
    {
      method: 'POST',
      path: new RegExp(`^/(v1|v1beta)/models/(${ID}):countTokens$`),
      api: 'other',
      model: 'path',
      label: 'POST /v1beta/models/{model}:countTokens',
    },
    {
      method: 'GET',
      path: new RegExp(`^/(v1|v1beta)/models(/${ID})?$`),
      api: 'other',
      model: 'none',
      label: 'GET /v1beta/models[/{model}]',
    },
  ],
};

/** Query parameters passed on, per kind (the workspace token's `key` never is); others are dropped. */
const QUERY: Record<Kind, string[]> = {
  anthropic: ['beta'],
  openai: ['client_version'],
  gemini: ['alt'],
};

/**
 * Request headers passed on; every other one is dropped: the client's credentials, hop-by-hop
 * headers, and those that change whose account or project pays (OpenAI-Organization,
 * OpenAI-Project, x-goog-user-project) or what a sandbox could learn about the server.
 */
const HEADERS: Record<Kind, string[]> = {
  anthropic: ['anthropic-version', 'anthropic-beta'],
  openai: ['openai-beta'],
  gemini: ['x-goog-api-client'],
};
const COMMON_HEADERS = ['content-type', 'accept', 'user-agent'];

export interface Route {
  endpoint: Endpoint;
  /** The path as checked, which is the path sent upstream (no normalisation happened to it). */
  path: string;
  /** The model named by the path (Gemini), when the endpoint names it there. */
  pathModel?: string;
}

/**
 * Finds the endpoint of a request from its raw URL (as received, before any
 * decoding). A path that a server could read as another one (a dot-segment,
 * an empty segment, a backslash, any %-escape) is refused, not normalised.
 */
export function routeOf(kind: Kind, method: string, rawUrl: string): Route {
  const rawPath = rawUrl.split('?')[0] ?? '';
  const path = /^\/llm\/[^/]+(\/.*)?$/.exec(rawPath)?.[1] ?? '';
  // Only the characters of the allowed paths; so no %-escape, backslash, `;` parameter or empty segment.
  if (!/^(\/[A-Za-z0-9_.:-]+)+$/.test(path) || /\/\.{1,2}(\/|$)/.test(path)) throw proxyErrors.pathRefused();
  const matching = ENDPOINTS[kind].filter((e) => e.path.test(path));
  const endpoint = matching.find((e) => e.method === method);
  if (!endpoint) {
    if (matching.length > 0)
      throw proxyErrors.methodNotAllowed(
        method,
        matching.map((e) => e.method),
      );
    throw proxyErrors.endpointNotAllowed(
      path,
      kind,
      ENDPOINTS[kind].map((e) => e.label),
    );
  }
  const pathModel = endpoint.model === 'path' ? endpoint.path.exec(path)?.[2] : undefined;
  return { endpoint, path, ...(pathModel && { pathModel }) };
}

/** The query string passed upstream: only the parameters the kind's clients need. */
export function upstreamQuery(kind: Kind, rawUrl: string): string {
  const given = new URL(rawUrl, 'http://x').searchParams;
  const kept = new URLSearchParams();
  for (const name of QUERY[kind]) for (const value of given.getAll(name)) kept.append(name, value);
  const search = kept.toString();
  return search ? `?${search}` : '';
}

/** The headers passed upstream: the allow-listed ones of the request, and the real key. */
export function upstreamHeaders(
  kind: Kind,
  given: Record<string, string | string[] | undefined>,
  key: string | undefined,
): Headers {
  const headers = new Headers();
  for (const name of [...COMMON_HEADERS, ...HEADERS[kind]]) {
    const value = given[name];
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.set('accept-encoding', 'identity'); // pass bytes through untouched
  if (key) {
    if (kind === 'anthropic') headers.set('x-api-key', key);
    else if (kind === 'gemini') headers.set('x-goog-api-key', key);
    else headers.set('authorization', `Bearer ${key}`);
  }
  return headers;
}
