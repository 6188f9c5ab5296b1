import OpenAI from 'openai';
import {
  describeGenericError,
  parseArguments,
  type Answer,
  type Exchange,
  type SdkClient,
} from './exchange.js';

type ChatMessage = OpenAI.Chat.ChatCompletionMessageParam;

function toMessages(conversation: Exchange[]): ChatMessage[] {
  return conversation.map((entry): ChatMessage => {
    if (entry.role === 'user') return { role: 'user', content: entry.text };
    if (entry.role === 'tool') return { role: 'tool', tool_call_id: entry.callId, content: entry.output };
    const call = entry.toolCall;
    return {
      role: 'assistant',
      content: entry.text ?? null,
      ...(call
        ? {
            tool_calls: [
              {
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: JSON.stringify(call.input) },
              },
            ],
          }
        : {}),
    };
  });
}

const STOP_REASONS: Record<string, string> = {
  stop: 'end_turn',
  tool_calls: 'tool_use',
  length: 'max_tokens',
  content_filter: 'refusal',
};

/** `reasoning_content` is not in OpenAI's types: it is what DeepSeek-style servers add. */
function reasoningOf(value: object): string {
  return 'reasoning_content' in value && typeof value.reasoning_content === 'string'
    ? value.reasoning_content
    : '';
}

function toAnswer(completion: OpenAI.Chat.ChatCompletion, reasoning: string | null): Answer {
  const choice = completion.choices[0];
  const usage = completion.usage;
  const cacheRead = usage?.prompt_tokens_details?.cached_tokens ?? 0;
  const cacheWrite = usage?.prompt_tokens_details?.cache_write_tokens ?? 0;
  return {
    text: choice?.message.content ?? '',
    reasoning: reasoning ?? (choice ? reasoningOf(choice.message) : ''),
    toolCalls: (choice?.message.tool_calls ?? []).flatMap((call) =>
      call.type === 'function'
        ? [{ id: call.id, name: call.function.name, input: parseArguments(call.function.arguments) }]
        : [],
    ),
    usage: {
      input: (usage?.prompt_tokens ?? 0) - cacheRead - cacheWrite,
      output: usage?.completion_tokens ?? 0,
      cacheRead,
      cacheWrite,
      reasoning: usage?.completion_tokens_details?.reasoning_tokens ?? 0,
    },
    stopReason: STOP_REASONS[choice?.finish_reason ?? ''] ?? String(choice?.finish_reason),
  };
}

export function openaiChatClient(baseURL: string, apiKey = 'sk-openai-test'): SdkClient & { sdk: OpenAI } {
  const sdk = new OpenAI({ apiKey, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  return {
    api: 'openai-chat',
    reportsCacheWrite: true,
    sdk,
    async complete(conversation, model = 'gpt-test') {
      return toAnswer(await sdk.chat.completions.create({ model, messages: toMessages(conversation) }), null);
    },
    async stream(conversation, onChunk, model = 'gpt-test') {
      const stream = sdk.chat.completions.stream({
        model,
        messages: toMessages(conversation),
        stream_options: { include_usage: true },
      });
      // The stream helper keeps only the last piece of an unknown delta field, so add reasoning up here.
      let reasoning = '';
      stream.on('chunk', (chunk) => {
        const delta = chunk.choices[0]?.delta;
        if (!delta) return;
        reasoning += reasoningOf(delta);
        if (delta.content || reasoningOf(delta) || delta.tool_calls?.some((c) => c.function?.arguments)) {
          onChunk?.(performance.now());
        }
      });
      return toAnswer(await stream.finalChatCompletion(), reasoning);
    },
    describeError: describeGenericError,
  };
}
