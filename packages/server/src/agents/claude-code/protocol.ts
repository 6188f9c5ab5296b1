import { z } from 'zod';

/** Anthropic token counts, as Claude Code reports them in `result.usage`. */
const usage = z.looseObject({
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
  cache_read_input_tokens: z.number().nullish(),
  cache_creation_input_tokens: z.number().nullish(),
});
export type ClaudeUsage = z.infer<typeof usage>;

const contentBlock = z.looseObject({
  type: z.string(),
  id: z.string().optional(),
  name: z.string().optional(),
  text: z.string().optional(),
  thinking: z.string().optional(),
  input: z.unknown().optional(),
  tool_use_id: z.string().optional(),
  content: z.unknown().optional(),
  is_error: z.boolean().optional(),
});
export type ContentBlock = z.infer<typeof contentBlock>;

/** The Anthropic streaming event inside a `stream_event` line. */
const streamEvent = z.looseObject({
  type: z.string(),
  index: z.number().optional(),
  message: z.looseObject({ id: z.string().optional() }).optional(),
  content_block: contentBlock.optional(),
  delta: z
    .looseObject({
      type: z.string().optional(),
      text: z.string().optional(),
      thinking: z.string().optional(),
      partial_json: z.string().optional(),
    })
    .optional(),
});
export type StreamEvent = z.infer<typeof streamEvent>;

/** The lines of `claude -p --output-format stream-json` the adapter reads; others are ignored. */
export const claudeLine = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('system'), subtype: z.string(), session_id: z.string().optional() }),
  z.looseObject({
    type: z.literal('stream_event'),
    event: streamEvent,
    parent_tool_use_id: z.string().nullish(),
  }),
  z.looseObject({
    type: z.literal('assistant'),
    message: z.looseObject({ id: z.string().optional(), content: z.array(contentBlock) }),
    parent_tool_use_id: z.string().nullish(),
  }),
  z.looseObject({
    type: z.literal('user'),
    message: z.looseObject({ content: z.union([z.string(), z.array(contentBlock)]) }),
    parent_tool_use_id: z.string().nullish(),
  }),
  z.looseObject({
    type: z.literal('result'),
    subtype: z.string(),
    is_error: z.boolean().default(false),
    result: z.string().optional(),
    terminal_reason: z.string().nullish(),
    usage: usage.optional(),
  }),
  z.looseObject({
    type: z.literal('control_request'),
    request_id: z.string(),
    request: z.looseObject({
      subtype: z.string(),
      tool_name: z.string().optional(),
      input: z.unknown().optional(),
      tool_use_id: z.string().optional(),
      description: z.string().optional(),
    }),
  }),
  /** Claude Code's answer to a control request of Hangar's (set_model). */
  z.looseObject({
    type: z.literal('control_response'),
    response: z.looseObject({
      subtype: z.string(),
      request_id: z.string().optional(),
      error: z.string().optional(),
    }),
  }),
]);
export type ClaudeLine = z.infer<typeof claudeLine>;

/** Lines Hangar writes to Claude Code's stdin. */
export const toClaude = {
  user: (text: string) => ({ type: 'user', message: { role: 'user', content: text } }),
  interrupt: (requestId: string) => ({
    type: 'control_request',
    request_id: requestId,
    request: { subtype: 'interrupt' },
  }),
  setModel: (requestId: string, model: string) => ({
    type: 'control_request',
    request_id: requestId,
    request: { subtype: 'set_model', model },
  }),
  answer: (requestId: string, response: Record<string, unknown>) => ({
    type: 'control_response',
    response: { subtype: 'success', request_id: requestId, response },
  }),
  refuse: (requestId: string, error: string) => ({
    type: 'control_response',
    response: { subtype: 'error', request_id: requestId, error },
  }),
};

/** The text of a tool result's `content` (a string, or text parts). */
export function toolResultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((part: unknown) =>
      typeof part === 'object' && part !== null && 'text' in part && typeof part.text === 'string'
        ? part.text
        : '',
    )
    .join('');
}
