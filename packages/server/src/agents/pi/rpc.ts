import { z } from 'zod';

/** Token usage of one model call, as Pi reports it in `message_end`. */
const usage = z.object({
  input: z.number().default(0),
  output: z.number().default(0),
  cacheRead: z.number().default(0),
  cacheWrite: z.number().default(0),
  cost: z
    .object({ total: z.number().default(0) })
    .partial()
    .optional(),
});

const message = z.looseObject({
  role: z.string(),
  usage: usage.optional(),
  stopReason: z.string().optional(),
  errorMessage: z.string().optional(),
});

const assistantMessageEvent = z.looseObject({
  type: z.string(),
  contentIndex: z.number().optional(),
  delta: z.string().optional(),
});

const toolResult = z
  .looseObject({
    content: z.array(z.looseObject({ type: z.string(), text: z.string().optional() })).optional(),
  })
  .nullish();

/** The lines of `pi --mode rpc` that the adapter reads; everything else is ignored. */
export const piLine = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('response'),
    id: z.string().optional(),
    command: z.string(),
    success: z.boolean(),
    error: z.string().optional(),
    data: z.looseObject({ sessionFile: z.string().optional() }).nullish(),
  }),
  z.looseObject({ type: z.literal('agent_start') }),
  z.looseObject({ type: z.literal('agent_end') }),
  z.looseObject({ type: z.literal('message_start'), message }),
  z.looseObject({ type: z.literal('message_update'), message, assistantMessageEvent }),
  z.looseObject({ type: z.literal('message_end'), message }),
  z.looseObject({
    type: z.literal('tool_execution_start'),
    toolCallId: z.string(),
    toolName: z.string(),
    args: z.unknown(),
  }),
  z.looseObject({
    type: z.literal('tool_execution_end'),
    toolCallId: z.string(),
    toolName: z.string(),
    result: toolResult,
    isError: z.boolean().optional(),
  }),
  z.looseObject({
    type: z.literal('extension_ui_request'),
    id: z.string(),
    method: z.string(),
    title: z.string().optional(),
    placeholder: z.string().optional(),
  }),
]);
export type PiLine = z.infer<typeof piLine>;
export type PiUsage = z.infer<typeof usage>;

/** What the approval extension puts in its dialog's placeholder. */
export const approvalRequest = z.object({
  toolCallId: z.string().optional(),
  toolName: z.string(),
  input: z.unknown(),
});

/** The arguments a permission card's title names. */
export const toolArgs = z.looseObject({ command: z.string().optional(), path: z.string().optional() });

/** The text of a tool result's content parts. */
export function resultText(result: z.infer<typeof toolResult>): string {
  return (result?.content ?? []).map((part) => part.text ?? '').join('');
}
