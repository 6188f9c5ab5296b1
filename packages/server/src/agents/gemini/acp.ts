import { z } from 'zod';

/** ACP (Agent Client Protocol) as `gemini --acp` speaks it: JSON-RPC 2.0, one object per line. */
export const ACP_PROTOCOL_VERSION = 1;

const rpcId = z.union([z.number(), z.string()]);

export const rpcError = z.looseObject({
  code: z.number(),
  message: z.string(),
  data: z.unknown().optional(),
});

/** A message from the agent: an answer to one of ours (id, result or error), a request to us (id, method) or a notification (method). */
export const acpMessage = z.looseObject({
  id: rpcId.optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: rpcError.optional(),
});
export type AcpMessage = z.infer<typeof acpMessage>;
export type RpcError = z.infer<typeof rpcError>;

const contentBlock = z.looseObject({ type: z.string(), text: z.string().optional() });

/** What a tool call carries: text, a diff of a file, or a terminal. */
export const toolCallContent = z.looseObject({
  type: z.string(),
  content: contentBlock.optional(),
  path: z.string().optional(),
  oldText: z.string().nullish(),
  newText: z.string().optional(),
});
export type ToolCallContent = z.infer<typeof toolCallContent>;

export const toolCall = z.looseObject({
  toolCallId: z.string(),
  title: z.string().nullish(),
  kind: z.string().nullish(),
  status: z.string().nullish(),
  content: z.array(toolCallContent).nullish(),
  locations: z.array(z.looseObject({ path: z.string() })).nullish(),
  rawInput: z.unknown().optional(),
  rawOutput: z.unknown().optional(),
});
export type ToolCall = z.infer<typeof toolCall>;

/** The `update` of a `session/update` notification, by `sessionUpdate`. */
export const sessionUpdate = z.discriminatedUnion('sessionUpdate', [
  z.looseObject({ sessionUpdate: z.literal('agent_message_chunk'), content: contentBlock }),
  z.looseObject({ sessionUpdate: z.literal('agent_thought_chunk'), content: contentBlock }),
  z.looseObject({ sessionUpdate: z.literal('user_message_chunk'), content: contentBlock }),
  toolCall.extend({ sessionUpdate: z.literal('tool_call') }),
  toolCall.partial().extend({ sessionUpdate: z.literal('tool_call_update'), toolCallId: z.string() }),
]);
export type SessionUpdate = z.infer<typeof sessionUpdate>;

export const sessionUpdateParams = z.looseObject({ sessionId: z.string(), update: z.unknown() });

export const permissionRequestParams = z.looseObject({
  sessionId: z.string(),
  options: z.array(z.looseObject({ optionId: z.string(), kind: z.string(), name: z.string().optional() })),
  toolCall,
});
export type PermissionRequestParams = z.infer<typeof permissionRequestParams>;

export const newSessionResult = z.looseObject({ sessionId: z.string() });

const tokenCount = z.looseObject({
  input_tokens: z.number().default(0),
  output_tokens: z.number().default(0),
});

/** `session/prompt`'s answer; Gemini puts the turn's tokens (all its model calls) in `_meta.quota`. */
export const promptResult = z.looseObject({
  stopReason: z.string(),
  _meta: z.looseObject({ quota: z.looseObject({ token_count: tokenCount.optional() }).optional() }).nullish(),
});
export type PromptResult = z.infer<typeof promptResult>;

/** A readable message from a JSON-RPC error; Gemini nests the provider's JSON error in `message`. */
export function errorMessage(error: RpcError): string {
  let message = error.message;
  try {
    const inner = JSON.parse(message) as { error?: { message?: unknown } };
    if (typeof inner?.error?.message === 'string') message = inner.error.message;
  } catch {
    // not JSON: the message as it is
  }
  return error.code >= 400 && error.code < 600 ? `${message} (HTTP ${error.code})` : message;
}

/** The tool's name: Gemini's call ids are `<tool>__<tool>_<ms>_<n>`. */
export function toolNameOf(call: Pick<ToolCall, 'toolCallId' | 'kind'>): string {
  const name = call.toolCallId.split('__')[0];
  return name && name !== call.toolCallId ? name : (call.kind ?? 'tool');
}

/** The arguments a tool call shows: the file and new text of a diff, the command of a shell call. */
export function toolInput(call: ToolCall): Record<string, unknown> {
  if (call.rawInput && typeof call.rawInput === 'object') return call.rawInput as Record<string, unknown>;
  const diff = call.content?.find((part) => part.type === 'diff');
  if (diff?.path)
    return {
      file_path: diff.path,
      content: diff.newText ?? '',
      ...(diff.oldText ? { old_text: diff.oldText } : {}),
    };
  if (call.kind === 'execute') return { command: call.title ?? '' };
  return {
    ...(call.title ? { title: call.title } : {}),
    ...(call.locations?.length ? { paths: call.locations.map((l) => l.path) } : {}),
  };
}

/** The text of a tool call's content (its result, once it completed). */
export function contentText(content: readonly ToolCallContent[] | null | undefined): string {
  return (content ?? [])
    .map((part) => {
      if (part.type === 'content') return part.content?.text ?? '';
      if (part.type === 'diff') return part.path ? `Wrote ${part.path}` : '';
      return '';
    })
    .filter(Boolean)
    .join('\n');
}
