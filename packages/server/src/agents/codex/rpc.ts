import { z } from 'zod';

/**
 * One line of `codex app-server`: a response (id, result or error), a
 * notification (method, params) or a request from Codex (id and method).
 * Codex omits the `jsonrpc` field, and accepts lines without it.
 */
export const codexMessage = z.looseObject({
  id: z.union([z.number(), z.string()]).optional(),
  method: z.string().optional(),
  params: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ message: z.string().optional(), code: z.number().optional() }).optional(),
});
export type CodexMessage = z.infer<typeof codexMessage>;

/** The thread in `thread/start` and `thread/resume` results. */
export const threadResult = z.looseObject({ thread: z.looseObject({ id: z.string() }) });
/** The turn in a `turn/start` result and `turn/*` notifications. */
export const turnResult = z.looseObject({ turn: z.looseObject({ id: z.string() }) });

/** The parts of a thread item the adapter translates (see ThreadItem.ts of `generate-ts`). */
export const threadItem = z.looseObject({
  type: z.string(),
  id: z.string(),
  text: z.string().optional(),
  command: z.string().optional(),
  cwd: z.string().nullish(),
  status: z.string().optional(),
  aggregatedOutput: z.string().nullish(),
  exitCode: z.number().nullish(),
  commandActions: z.array(z.looseObject({ command: z.string().optional() })).nullish(),
  changes: z
    .array(z.looseObject({ path: z.string(), kind: z.unknown(), diff: z.string().optional() }))
    .optional(),
  server: z.string().optional(),
  tool: z.string().optional(),
  arguments: z.unknown().optional(),
  result: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type ThreadItem = z.infer<typeof threadItem>;

export const itemNotification = z.looseObject({ item: threadItem, turnId: z.string().optional() });
export const deltaNotification = z.looseObject({ itemId: z.string(), delta: z.string() });

export const turnCompleted = z.looseObject({
  turn: z.looseObject({
    id: z.string(),
    status: z.string(),
    error: z
      .looseObject({ message: z.string().optional(), codexErrorInfo: z.unknown().optional() })
      .nullish(),
  }),
});

export const errorNotification = z.looseObject({
  error: z.looseObject({ message: z.string().optional(), codexErrorInfo: z.unknown().optional() }),
  willRetry: z.boolean().optional(),
});

const tokenBreakdown = z.looseObject({
  inputTokens: z.number().default(0),
  cachedInputTokens: z.number().default(0),
  cacheWriteInputTokens: z.number().nullish(),
  outputTokens: z.number().default(0),
  reasoningOutputTokens: z.number().default(0),
});
export type TokenBreakdown = z.infer<typeof tokenBreakdown>;
export const tokenUsageNotification = z.looseObject({
  tokenUsage: z.looseObject({ last: tokenBreakdown }),
});

/** `item/commandExecution/requestApproval` and `item/fileChange/requestApproval` params. */
export const approvalParams = z.looseObject({
  itemId: z.string(),
  turnId: z.string().optional(),
  command: z.string().nullish(),
  cwd: z.string().nullish(),
  reason: z.string().nullish(),
  commandActions: z.array(z.looseObject({ command: z.string().optional() })).nullish(),
  grantRoot: z.string().nullish(),
});
export type ApprovalParams = z.infer<typeof approvalParams>;

/** Readable text for Codex's `codexErrorInfo` (the provider's own message is not passed on). */
export function errorText(
  error: { message?: string | undefined; codexErrorInfo?: unknown } | null | undefined,
): string {
  const info = error?.codexErrorInfo;
  const kind =
    typeof info === 'string' ? info : info && typeof info === 'object' ? Object.keys(info)[0] : undefined;
  const known: Record<string, string> = {
    internalServerError: 'The model provider failed (server error).',
    unauthorized: 'The model provider refused the workspace token.',
    usageLimitExceeded: 'The model provider reports a usage limit.',
    contextWindowExceeded: 'The conversation no longer fits the model’s context window.',
    httpConnectionFailed: 'Codex could not reach the model provider.',
    responseStreamConnectionFailed: 'Codex could not reach the model provider.',
    responseStreamDisconnected: 'The model provider closed the stream early.',
    responseTooManyFailedAttempts: 'The model provider kept failing.',
    badRequest: 'The model provider rejected the request.',
  };
  const readable = kind ? known[kind] : undefined;
  const message = error?.message?.trim();
  if (readable && message) return `${readable} (Codex: ${message})`;
  return readable ?? message ?? 'Codex ended the turn with an error.';
}
