import { anthropicClient } from './anthropic-client.js';
import type { SdkClient } from './exchange.js';
import { geminiClient } from './gemini-client.js';
import { openaiChatClient } from './openai-chat-client.js';
import { openaiResponsesClient } from './openai-responses-client.js';

/** Every API's SDK client: the shared contract suite runs once per entry. */
export const SDK_CLIENTS: ReadonlyArray<{
  api: SdkClient['api'];
  create(baseUrl: string, apiKey?: string): SdkClient;
}> = [
  { api: 'anthropic', create: anthropicClient },
  { api: 'openai-chat', create: openaiChatClient },
  { api: 'openai-responses', create: openaiResponsesClient },
  { api: 'gemini', create: geminiClient },
];
