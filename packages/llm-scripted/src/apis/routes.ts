import type { ProviderApi, RouteInfo } from './api.js';
import { anthropicApi } from './anthropic.js';
import { geminiApi } from './gemini.js';
import { openaiChatApi } from './openai-chat.js';
import { openaiResponsesApi } from './openai-responses.js';

export const PROVIDER_APIS: readonly ProviderApi[] = [
  anthropicApi,
  openaiChatApi,
  openaiResponsesApi,
  geminiApi,
];

export type RouteKind = 'generate' | 'countTokens' | 'models';

export interface Route {
  api: ProviderApi;
  kind: RouteKind;
  info: RouteInfo;
}

const GEMINI_PATH =
  /^\/(v1|v1beta|v1alpha)\/models\/([^/:]+):(generateContent|streamGenerateContent|countTokens)$/;

/** Which API and endpoint a request is for; null when none. */
export function findRoute(
  method: string,
  url: URL,
  headers: Record<string, string | string[] | undefined>,
): Route | null {
  const path = url.pathname.replace(/\/+$/, '');
  if (method === 'GET') {
    if (path === '/v1/models') {
      // Anthropic and OpenAI share this path; Anthropic clients always send their version header.
      return { api: headers['anthropic-version'] ? anthropicApi : openaiChatApi, kind: 'models', info: {} };
    }
    if (path === '/v1beta/models' || path === '/v1/models')
      return { api: geminiApi, kind: 'models', info: {} };
    return null;
  }
  if (method !== 'POST') return null;
  switch (path) {
    case '/v1/messages':
      return { api: anthropicApi, kind: 'generate', info: {} };
    case '/v1/messages/count_tokens':
      return { api: anthropicApi, kind: 'countTokens', info: {} };
    case '/v1/chat/completions':
      return { api: openaiChatApi, kind: 'generate', info: {} };
    case '/v1/responses':
      return { api: openaiResponsesApi, kind: 'generate', info: {} };
    case '/v1/responses/input_tokens':
      return { api: openaiResponsesApi, kind: 'countTokens', info: {} };
  }
  const gemini = GEMINI_PATH.exec(path);
  if (!gemini) return null;
  const [, , model, method_] = gemini;
  return {
    api: geminiApi,
    kind: method_ === 'countTokens' ? 'countTokens' : 'generate',
    info: {
      model: decodeURIComponent(model ?? ''),
      stream: method_ === 'streamGenerateContent',
      sse: url.searchParams.get('alt') === 'sse',
    },
  };
}
