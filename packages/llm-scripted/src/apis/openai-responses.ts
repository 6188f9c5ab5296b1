import { z } from 'zod';
import type { Frame, ProviderApi, RequestInfo, ResolvedError, ResolvedReply } from './api.js';
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
import { callId, openaiError, openaiErrorBody, openaiModelsBody, promptTokens } from './openai-shared.js';

const ItemSchema = z.looseObject({
  type: z.string().optional(),
  role: z.string().optional(),
  content: z.unknown().optional(),
});
const RequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(ItemSchema)]),
  instructions: z.unknown().optional(),
  tools: z.unknown().optional(),
  stream: z.boolean().nullish(),
});

/** Request fields the response object repeats, with the API's defaults. */
const ECHOED: Record<string, unknown> = {
  instructions: null,
  max_output_tokens: null,
  metadata: {},
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: null,
  temperature: 1,
  text: { format: { type: 'text' } },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
};

type Item = z.infer<typeof ItemSchema>;
const isAssistantSide = (item: Item) =>
  item.role === 'assistant' || item.type === 'reasoning' || (item.type?.endsWith('_call') ?? false);

function usage(reply: ResolvedReply) {
  const u = reply.usage;
  return {
    input_tokens: promptTokens(u),
    input_tokens_details: { cached_tokens: u.cacheRead, cache_write_tokens: u.cacheWrite },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning },
    total_tokens: promptTokens(u) + u.output,
  };
}

function terminal(reply: ResolvedReply) {
  if (reply.stopReason === 'max_tokens')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (reply.stopReason === 'refusal')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/** The output items of a reply, in their final state. */
function outputItems(reply: ResolvedReply) {
  const items: Record<string, unknown>[] = [];
  if (reply.reasoning) {
    items.push({
      id: randomId('rs_'),
      type: 'reasoning',
      summary: [{ type: 'summary_text', text: reply.reasoning }],
    });
  }
  if (reply.text) {
    const part = { type: 'output_text', text: reply.text, annotations: [], logprobs: [] };
    items.push({
      id: randomId('msg_'),
      type: 'message',
      status: 'completed',
      role: 'assistant',
      content: [part],
    });
  }
  for (const call of reply.toolCalls) {
    items.push({
      id: randomId('fc_'),
      type: 'function_call',
      status: 'completed',
      arguments: call.arguments,
      call_id: call.id ?? callId(),
      name: call.name,
    });
  }
  return items;
}

function responseObject(reply: ResolvedReply, request: RequestInfo) {
  const id = randomId('resp_');
  const created_at = nowSeconds();
  return (state: Record<string, unknown>) => ({
    id,
    object: 'response',
    created_at,
    model: reply.model,
    error: null,
    incomplete_details: null,
    output: [],
    usage: null,
    ...ECHOED,
    ...request.conversation.echo,
    ...state,
  });
}

/** Streams one output item: its `added`, content events and `done`. */
function itemFrames(
  item: Record<string, unknown>,
  output_index: number,
  reply: ResolvedReply,
  event: (type: string, data: object, chunk?: boolean) => Frame,
): Frame[] {
  const item_id = item.id;
  const frames: Frame[] = [];
  if (item.type === 'reasoning') {
    const text = reply.reasoning;
    const at = { item_id, output_index, summary_index: 0 };
    frames.push(event('response.output_item.added', { output_index, item: { ...item, summary: [] } }));
    frames.push(
      event('response.reasoning_summary_part.added', { ...at, part: { type: 'summary_text', text: '' } }),
    );
    for (const delta of chunkText(text, reply.chunkChars))
      frames.push(event('response.reasoning_summary_text.delta', { ...at, delta }, true));
    frames.push(event('response.reasoning_summary_text.done', { ...at, text }));
    frames.push(
      event('response.reasoning_summary_part.done', { ...at, part: { type: 'summary_text', text } }),
    );
  } else if (item.type === 'message') {
    const text = reply.text;
    const at = { item_id, output_index, content_index: 0 };
    const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
    frames.push(
      event('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', content: [] },
      }),
    );
    frames.push(event('response.content_part.added', { ...at, part }));
    for (const delta of chunkText(text, reply.chunkChars))
      frames.push(event('response.output_text.delta', { ...at, delta, logprobs: [] }, true));
    frames.push(event('response.output_text.done', { ...at, text, logprobs: [] }));
    frames.push(event('response.content_part.done', { ...at, part: { ...part, text } }));
  } else {
    const args = String(item.arguments);
    frames.push(
      event('response.output_item.added', {
        output_index,
        item: { ...item, status: 'in_progress', arguments: '' },
      }),
    );
    for (const delta of chunkText(args, reply.chunkChars))
      frames.push(event('response.function_call_arguments.delta', { item_id, output_index, delta }, true));
    frames.push(
      event('response.function_call_arguments.done', {
        item_id,
        output_index,
        name: item.name,
        arguments: args,
      }),
    );
  }
  frames.push(event('response.output_item.done', { output_index, item }));
  return frames;
}

/** The OpenAI Responses API (`POST /v1/responses`). Reasoning is sent as a reasoning summary. */
export const openaiResponsesApi: ProviderApi = {
  name: 'openai-responses',
  requestIdHeader: 'x-request-id',

  inspect(body) {
    const parsed = RequestSchema.safeParse(body);
    if (!parsed.success) return `invalid request: ${z.prettifyError(parsed.error)}`;
    const { model, input, instructions, tools, stream } = parsed.data;
    const items: Item[] = typeof input === 'string' ? [{ role: 'user', content: input }] : input;
    const lastUser = items.findLastIndex(
      (i) => i.role === 'user' && textOf(i.content, ['input_text', 'text']) !== null,
    );
    const turns = countAssistantTurns(items.map(isAssistantSide), lastUser);
    const echo = Object.fromEntries(
      Object.keys(ECHOED).flatMap((key) => (key in parsed.data ? [[key, parsed.data[key]]] : [])),
    );
    return {
      model,
      stream: stream === true,
      lastUserText: textOf(items[lastUser]?.content, ['input_text', 'text']),
      assistantTurns: turns.all,
      assistantTurnsSinceUserText: turns.since,
      endsWithToolResult: items.at(-1)?.type?.endsWith('_call_output') ?? false,
      tools: toolNames(tools),
      promptChars: jsonLength(instructions, input, tools),
      streamUsage: true,
      echo,
    };
  },

  renderJson(reply, request) {
    const respond = responseObject(reply, request);
    return respond({
      ...terminal(reply),
      completed_at: nowSeconds(),
      output: outputItems(reply),
      usage: usage(reply),
    });
  },

  renderStream(reply, request) {
    const respond = responseObject(reply, request);
    let sequence_number = 0;
    const event = (type: string, data: object, chunk = false) =>
      frame(sseEvent(type, { type, ...data, sequence_number: sequence_number++ }), chunk);
    const frames = [
      event('response.created', { response: respond({ status: 'in_progress' }) }),
      event('response.in_progress', { response: respond({ status: 'in_progress' }) }),
    ];
    const items = outputItems(reply);
    items.forEach((item, index) => frames.push(...itemFrames(item, index, reply, event)));
    const end = terminal(reply);
    frames.push(
      event(end.status === 'completed' ? 'response.completed' : 'response.incomplete', {
        response: respond({ ...end, completed_at: nowSeconds(), output: items, usage: usage(reply) }),
      }),
    );
    return {
      contentType: 'text/event-stream; charset=utf-8',
      frames,
      errorFrame(error: ResolvedError, sequence: number) {
        const { code, type, message } = openaiError(error);
        const failed = respond({ status: 'failed', error: { code: code ?? type, message } });
        return sseEvent('response.failed', {
          type: 'response.failed',
          response: failed,
          sequence_number: sequence,
        });
      },
    };
  },

  errorBody: openaiErrorBody,

  modelsBody: openaiModelsBody,

  countTokensBody(tokens) {
    return { object: 'response.input_tokens', input_tokens: tokens };
  },
};
