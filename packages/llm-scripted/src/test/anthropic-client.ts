import Anthropic from '@anthropic-ai/sdk';
import { describeGenericError, type Answer, type Exchange, type SdkClient } from './exchange.js';

function toMessages(conversation: Exchange[]): Anthropic.MessageParam[] {
  return conversation.map((entry): Anthropic.MessageParam => {
    if (entry.role === 'user') return { role: 'user', content: entry.text };
    if (entry.role === 'tool') {
      return {
        role: 'user',
        content: [{ type: 'tool_result', tool_use_id: entry.callId, content: entry.output }],
      };
    }
    const content: Anthropic.ContentBlockParam[] = [];
    if (entry.text) content.push({ type: 'text', text: entry.text });
    if (entry.toolCall) content.push({ type: 'tool_use', ...entry.toolCall });
    return { role: 'assistant', content };
  });
}

function toAnswer(message: Anthropic.Message): Answer {
  const answer: Answer = {
    text: '',
    reasoning: '',
    toolCalls: [],
    usage: {
      input: message.usage.input_tokens,
      output: message.usage.output_tokens,
      cacheRead: message.usage.cache_read_input_tokens ?? 0,
      cacheWrite: message.usage.cache_creation_input_tokens ?? 0,
      reasoning: message.usage.output_tokens_details?.thinking_tokens ?? 0,
    },
    stopReason: message.stop_reason ?? '',
  };
  for (const block of message.content) {
    if (block.type === 'text') answer.text += block.text;
    if (block.type === 'thinking') answer.reasoning += block.thinking;
    if (block.type === 'tool_use')
      answer.toolCalls.push({ id: block.id, name: block.name, input: block.input });
  }
  return answer;
}

export function anthropicClient(baseURL: string, apiKey = 'sk-ant-test'): SdkClient & { sdk: Anthropic } {
  const sdk = new Anthropic({ apiKey, baseURL, maxRetries: 0 });
  const params = (conversation: Exchange[], model: string) => ({
    model,
    max_tokens: 1024,
    messages: toMessages(conversation),
  });
  return {
    api: 'anthropic',
    reportsCacheWrite: true,
    sdk,
    async complete(conversation, model = 'claude-test') {
      return toAnswer(await sdk.messages.create(params(conversation, model)));
    },
    async stream(conversation, onChunk, model = 'claude-test') {
      const stream = sdk.messages.stream(params(conversation, model));
      stream.on('streamEvent', (event) => {
        if (event.type === 'content_block_delta' && event.delta.type !== 'signature_delta')
          onChunk?.(performance.now());
      });
      return toAnswer(await stream.finalMessage());
    },
    describeError: describeGenericError,
  };
}
