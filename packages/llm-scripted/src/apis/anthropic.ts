import { z } from 'zod';
import type { Frame, ProviderApi, ResolvedError, ResolvedReply, ResolvedUsage } from './api.js';
import {
  chunkText,
  countAssistantTurns,
  frame,
  jsonLength,
  randomId,
  sseEvent,
  textOf,
  toolNames,
} from './common.js';

const RequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(z.looseObject({ role: z.string(), content: z.unknown() })),
  system: z.unknown().optional(),
  tools: z.unknown().optional(),
  stream: z.boolean().optional(),
});

const ERROR_TYPES: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'billing_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  504: 'timeout_error',
  529: 'overloaded_error',
};

/** Creation date reported for scripted models. */
const MODEL_DATE = '2025-01-01T00:00:00Z';

const hasBlock = (content: unknown, type: string) =>
  Array.isArray(content) && content.some((b) => (b as { type?: unknown } | null)?.type === type);

/** Usage fields; `thinking_tokens` is only known once the message is complete. */
function usageFields(u: ResolvedUsage, complete: boolean) {
  return {
    input_tokens: u.input,
    cache_creation_input_tokens: u.cacheWrite,
    cache_read_input_tokens: u.cacheRead,
    output_tokens: u.output,
    output_tokens_details: complete && u.reasoning > 0 ? { thinking_tokens: u.reasoning } : null,
  };
}

/** A stand-in for the opaque signature a real thinking block carries. */
const fakeSignature = () => Buffer.from(randomId('scripted-signature:')).toString('base64');

function contentBlocks(reply: ResolvedReply) {
  const blocks: Record<string, unknown>[] = [];
  if (reply.reasoning)
    blocks.push({ type: 'thinking', thinking: reply.reasoning, signature: fakeSignature() });
  if (reply.text) blocks.push({ type: 'text', text: reply.text, citations: null });
  for (const call of reply.toolCalls) {
    blocks.push({
      type: 'tool_use',
      id: call.id ?? randomId('toolu_'),
      name: call.name,
      input: call.input,
      caller: { type: 'direct' },
    });
  }
  return blocks;
}

function message(reply: ResolvedReply, content: unknown[], usage: Record<string, unknown>, done: boolean) {
  return {
    id: randomId('msg_'),
    type: 'message',
    role: 'assistant',
    model: reply.model,
    content,
    stop_reason: done ? reply.stopReason : null,
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: {
      ...usage,
      cache_creation: { ephemeral_5m_input_tokens: reply.usage.cacheWrite, ephemeral_1h_input_tokens: 0 },
      server_tool_use: null,
      service_tier: 'standard',
    },
  };
}

/** One content block, streamed: its start (empty), its deltas, its stop. */
function blockFrames(block: Record<string, unknown>, index: number, reply: ResolvedReply): Frame[] {
  const delta = (delta: Record<string, unknown>, chunk = true) =>
    frame(sseEvent('content_block_delta', { type: 'content_block_delta', index, delta }), chunk);
  const pieces = (text: string) => chunkText(text, reply.chunkChars);
  const start = (content_block: Record<string, unknown>) =>
    frame(sseEvent('content_block_start', { type: 'content_block_start', index, content_block }));
  const stop = frame(sseEvent('content_block_stop', { type: 'content_block_stop', index }));
  if (block.type === 'thinking') {
    return [
      start({ type: 'thinking', thinking: '', signature: '' }),
      ...pieces(reply.reasoning).map((thinking) => delta({ type: 'thinking_delta', thinking })),
      delta({ type: 'signature_delta', signature: block.signature }, false),
      stop,
    ];
  }
  if (block.type === 'text') {
    return [
      start({ type: 'text', text: '' }),
      ...pieces(reply.text).map((text) => delta({ type: 'text_delta', text })),
      stop,
    ];
  }
  return [
    start({ ...block, input: {} }),
    ...pieces(JSON.stringify(block.input)).map((partial_json) =>
      delta({ type: 'input_json_delta', partial_json }),
    ),
    stop,
  ];
}

/** The Anthropic Messages API (`POST /v1/messages`, `/v1/messages/count_tokens`). */
export const anthropicApi: ProviderApi = {
  name: 'anthropic',
  requestIdHeader: 'request-id',

  inspect(body) {
    const parsed = RequestSchema.safeParse(body);
    if (!parsed.success) return `invalid request: ${z.prettifyError(parsed.error)}`;
    const { model, messages, system, tools, stream } = parsed.data;
    const last = messages.at(-1);
    const lastUser = messages.findLastIndex((m) => m.role === 'user' && textOf(m.content, ['text']) !== null);
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
      endsWithToolResult: last?.role === 'user' && hasBlock(last.content, 'tool_result'),
      tools: toolNames(tools),
      promptChars: jsonLength(system, messages, tools),
      streamUsage: true,
      echo: {},
    };
  },

  renderJson(reply) {
    return message(reply, contentBlocks(reply), usageFields(reply.usage, true), true);
  },

  renderStream(reply) {
    const frames: Frame[] = [];
    const start = message(reply, [], { ...usageFields(reply.usage, false), output_tokens: 1 }, false);
    frames.push(frame(sseEvent('message_start', { type: 'message_start', message: start })));
    frames.push(frame(sseEvent('ping', { type: 'ping' })));
    contentBlocks(reply).forEach((block, index) => frames.push(...blockFrames(block, index, reply)));
    frames.push(
      frame(
        sseEvent('message_delta', {
          type: 'message_delta',
          delta: { stop_reason: reply.stopReason, stop_sequence: null, stop_details: null },
          usage: usageFields(reply.usage, true),
        }),
      ),
    );
    frames.push(frame(sseEvent('message_stop', { type: 'message_stop' })));
    return {
      contentType: 'text/event-stream; charset=utf-8',
      frames,
      errorFrame: (error) => sseEvent('error', anthropicApi.errorBody(error)),
    };
  },

  errorBody(error: ResolvedError) {
    const type =
      error.type ??
      ERROR_TYPES[error.status] ??
      (error.status >= 500 ? 'api_error' : 'invalid_request_error');
    return { type: 'error', error: { type, message: error.message }, request_id: randomId('req_') };
  },

  countTokensBody(tokens) {
    return { input_tokens: tokens };
  },

  modelsBody(models) {
    const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: MODEL_DATE }));
    return { data, has_more: false, first_id: models[0] ?? null, last_id: models.at(-1) ?? null };
  },
};
