import OpenAI from 'openai';
import {
  describeGenericError,
  parseArguments,
  type Answer,
  type Exchange,
  type SdkClient,
} from './exchange.js';

type InputItem = OpenAI.Responses.ResponseInputItem;

function toInput(conversation: Exchange[]): InputItem[] {
  return conversation.flatMap((entry): InputItem[] => {
    if (entry.role === 'user') return [{ role: 'user', content: entry.text }];
    if (entry.role === 'tool')
      return [{ type: 'function_call_output', call_id: entry.callId, output: entry.output }];
    const items: InputItem[] = [];
    if (entry.text) items.push({ role: 'assistant', content: entry.text });
    const call = entry.toolCall;
    if (call)
      items.push({
        type: 'function_call',
        call_id: call.id,
        name: call.name,
        arguments: JSON.stringify(call.input),
      });
    return items;
  });
}

function toAnswer(response: OpenAI.Responses.Response): Answer {
  if (response.status === 'failed') {
    throw Object.assign(new Error(response.error?.message ?? 'response failed'), {
      code: response.error?.code,
    });
  }
  const usage = response.usage;
  const cacheRead = usage?.input_tokens_details.cached_tokens ?? 0;
  const cacheWrite = usage?.input_tokens_details.cache_write_tokens ?? 0;
  const answer: Answer = {
    text: '',
    reasoning: '',
    toolCalls: [],
    usage: {
      input: (usage?.input_tokens ?? 0) - cacheRead - cacheWrite,
      output: usage?.output_tokens ?? 0,
      cacheRead,
      cacheWrite,
      reasoning: usage?.output_tokens_details.reasoning_tokens ?? 0,
    },
    stopReason: '',
  };
  for (const item of response.output) {
    if (item.type === 'reasoning') answer.reasoning += item.summary.map((s) => s.text).join('');
    if (item.type === 'message') {
      for (const part of item.content) if (part.type === 'output_text') answer.text += part.text;
    }
    if (item.type === 'function_call') {
      answer.toolCalls.push({ id: item.call_id, name: item.name, input: parseArguments(item.arguments) });
    }
  }
  const incomplete = response.incomplete_details?.reason;
  answer.stopReason =
    incomplete === 'max_output_tokens'
      ? 'max_tokens'
      : incomplete === 'content_filter'
        ? 'refusal'
        : answer.toolCalls.length
          ? 'tool_use'
          : 'end_turn';
  return answer;
}

const DELTAS = new Set([
  'response.output_text.delta',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
]);

export function openaiResponsesClient(
  baseURL: string,
  apiKey = 'sk-openai-test',
): SdkClient & { sdk: OpenAI } {
  const sdk = new OpenAI({ apiKey, baseURL: `${baseURL}/v1`, maxRetries: 0 });
  return {
    api: 'openai-responses',
    reportsCacheWrite: true,
    sdk,
    async complete(conversation, model = 'gpt-test') {
      return toAnswer(await sdk.responses.create({ model, input: toInput(conversation) }));
    },
    async stream(conversation, onChunk, model = 'gpt-test') {
      const stream = sdk.responses.stream({ model, input: toInput(conversation) });
      stream.on('event', (event) => {
        if (DELTAS.has(event.type)) onChunk?.(performance.now());
      });
      return toAnswer(await stream.finalResponse());
    },
    describeError: describeGenericError,
  };
}
