import { z } from 'zod';
import type { ProviderApi, ResolvedReply } from './api.js';
import {
  chunkText,
  countAssistantTurns,
  frame,
  jsonLength,
  nowSeconds,
  randomId,
  sseEvent,
  textOf,
  toolNames,
} from './common.js';
import {
  CHAT_FINISH_REASONS,
  callId,
  openaiErrorBody,
  openaiModelsBody,
  promptTokens,
} from './openai-shared.js';

const RequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown().optional() })).min(1),
  tools: z.unknown().optional(),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
});

const FINGERPRINT = 'fp_scripted';

function usage(reply: ResolvedReply) {
  const u = reply.usage;
  return {
    prompt_tokens: promptTokens(u),
    completion_tokens: u.output,
    total_tokens: promptTokens(u) + u.output,
    prompt_tokens_details: { cached_tokens: u.cacheRead, cache_write_tokens: u.cacheWrite, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: u.reasoning,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const withIds = (reply: ResolvedReply) =>
  reply.toolCalls.map((call) => ({ ...call, id: call.id ?? callId() }));

/**
 * The OpenAI Chat Completions API (`POST /v1/chat/completions`). Reasoning,
 * which OpenAI itself does not return here, is sent as `reasoning_content`,
 * like DeepSeek and vLLM do.
 */
export const openaiChatApi: ProviderApi = {
  name: 'openai-chat',
  requestIdHeader: 'x-request-id',

  inspect(body) {
    const parsed = RequestSchema.safeParse(body);
    if (!parsed.success) return `invalid request: ${z.prettifyError(parsed.error)}`;
    const { model, messages, tools, stream, stream_options } = parsed.data;
    const lastUser = messages.findLastIndex((m) => m.role === 'user' && textOf(m.content, ['text']) !== null);
    const lastRole = messages.at(-1)?.role;
    const turns = countAssistantTurns(
      messages.map((m) => m.role === 'assistant'),
      lastUser,
    );
    return {
      model,
      stream: stream === true,
      lastUserText: textOf(messages[lastUser]?.content, ['text']),
      assistantTurns: turns.all,
      assistantTurnsSinceUserText: turns.since,
      endsWithToolResult: lastRole === 'tool' || lastRole === 'function',
      tools: toolNames(tools),
      promptChars: jsonLength(messages, tools),
      streamUsage: stream_options?.include_usage === true,
      echo: {},
    };
  },

  renderJson(reply) {
    const toolCalls = withIds(reply).map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
    return {
      id: randomId('chatcmpl-'),
      object: 'chat.completion',
      created: nowSeconds(),
      model: reply.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: reply.text || null,
            refusal: null,
            annotations: [],
            ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
            ...(reply.reasoning ? { reasoning_content: reply.reasoning } : {}),
          },
          logprobs: null,
          finish_reason: CHAT_FINISH_REASONS[reply.stopReason],
        },
      ],
      usage: usage(reply),
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    };
  },

  renderStream(reply, { conversation }) {
    const base = {
      id: randomId('chatcmpl-'),
      object: 'chat.completion.chunk',
      created: nowSeconds(),
      model: reply.model,
      service_tier: 'default',
      system_fingerprint: FINGERPRINT,
    };
    const withUsage = conversation.streamUsage;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null, isChunk = true) =>
      frame(
        sseEvent(null, {
          ...base,
          choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
          ...(withUsage ? { usage: null } : {}),
        }),
        isChunk,
      );
    const frames = [chunk({ role: 'assistant', content: '', refusal: null }, null, false)];
    for (const piece of chunkText(reply.reasoning, reply.chunkChars))
      frames.push(chunk({ reasoning_content: piece }));
    for (const piece of chunkText(reply.text, reply.chunkChars)) frames.push(chunk({ content: piece }));
    withIds(reply).forEach((call, index) => {
      const head = { index, id: call.id, type: 'function', function: { name: call.name, arguments: '' } };
      frames.push(chunk({ tool_calls: [head] }, null, false));
      for (const piece of chunkText(call.arguments, reply.chunkChars)) {
        frames.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
    });
    frames.push(chunk({}, CHAT_FINISH_REASONS[reply.stopReason], false));
    if (withUsage) frames.push(frame(sseEvent(null, { ...base, choices: [], usage: usage(reply) })));
    frames.push(frame('data: [DONE]\n\n'));
    return {
      contentType: 'text/event-stream; charset=utf-8',
      frames,
      errorFrame: (error) => sseEvent(null, openaiErrorBody(error)),
    };
  },

  errorBody: openaiErrorBody,

  modelsBody: openaiModelsBody,

  countTokensBody(tokens) {
    return { input_tokens: tokens };
  },
};
