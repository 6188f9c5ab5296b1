import { z } from 'zod';

/** The four wire formats the scripted provider speaks. */
export const API_NAMES = ['anthropic', 'openai-chat', 'openai-responses', 'gemini'] as const;
export const ApiNameSchema = z.enum(API_NAMES);
export type ApiName = z.infer<typeof ApiNameSchema>;

const REGEX_LITERAL = /^\/(.*)\/([dgimsuvy]*)$/s;

/**
 * A text pattern: `/regex/flags` is a regular expression, anything else must
 * equal the (trimmed) text exactly.
 */
export const PatternSchema = z.string().superRefine((value, ctx) => {
  const literal = REGEX_LITERAL.exec(value);
  if (!literal) return;
  try {
    new RegExp(literal[1] ?? '', literal[2]);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(err as Error).message}` });
  }
});

/** Compiles a pattern once; `test` compares trimmed text. */
export function compilePattern(pattern: string): (text: string) => boolean {
  const literal = REGEX_LITERAL.exec(pattern);
  if (literal) {
    const re = new RegExp(literal[1] ?? '', (literal[2] ?? '').replace(/[gy]/g, ''));
    return (text) => re.test(text);
  }
  const exact = pattern.trim();
  return (text) => text.trim() === exact;
}

const count = z.number().int().nonnegative();

/** Conditions on the request, all optional and combined with AND. */
export const MatchSchema = z.strictObject({
  /** The text of the last user message that has text (tool results are skipped). */
  lastUserText: PatternSchema.optional(),
  /** Number of assistant turns already in the request, plus one. */
  turn: z.number().int().positive().optional(),
  /**
   * Position in the tool loop since the last user message with text: 1 for the
   * first answer to it, 2 after one tool round trip, ...
   */
  step: z.number().int().positive().optional(),
  /** Whether the request's last message carries a tool result. */
  toolResult: z.boolean().optional(),
  api: ApiNameSchema.optional(),
  model: PatternSchema.optional(),
  /** The request offers a tool whose name matches (tells one agent from another: Bash, bash, exec_command…). */
  tool: PatternSchema.optional(),
});

/** Token counts to report; see the README for how each maps to every API's fields. */
export const UsageSchema = z
  .strictObject({
    input: count.optional(),
    output: count.optional(),
    cacheRead: count.optional(),
    cacheWrite: count.optional(),
    reasoning: count.optional(),
  })
  .refine((u) => u.reasoning === undefined || u.output === undefined || u.reasoning <= u.output, {
    message: 'reasoning is part of output, so it cannot exceed it',
  });

export const PaceSchema = z.strictObject({
  /** Characters of text, reasoning or tool arguments per streamed chunk. */
  chunkChars: z.number().int().positive().optional(),
  /** Delay between two chunks, in milliseconds. */
  intervalMs: z.number().nonnegative().optional(),
  /** Delay before the first chunk, in milliseconds (time to first token). */
  firstChunkMs: z.number().nonnegative().optional(),
});

export const StopReasonSchema = z.enum(['end_turn', 'tool_use', 'max_tokens', 'stop_sequence', 'refusal']);
export type StopReason = z.infer<typeof StopReasonSchema>;

export const ToolCallSchema = z.strictObject({
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()).default({}),
  id: z.string().min(1).optional(),
});

export const ReplySchema = z.strictObject({
  reasoning: z.string().optional(),
  text: z.string().optional(),
  toolCalls: z.array(ToolCallSchema).default([]),
  usage: UsageSchema.default({}),
  /** Default: `tool_use` when there are tool calls, else `end_turn`. */
  stopReason: StopReasonSchema.optional(),
  pace: PaceSchema.default({}),
  /**
   * Streamed answers: the first chunk waits until `count` streams of the same `group` are waiting
   * (or `timeoutMs` passed, default 60 s), so they all start at once: a load test's concurrent
   * streams then truly overlap, however spread out their requests arrived.
   */
  startTogether: z
    .strictObject({
      group: z.string().min(1),
      count: z.number().int().positive(),
      timeoutMs: z.number().positive().optional(),
    })
    .optional(),
  /** Streamed answers: close the connection after this many chunks, with no terminating event. */
  cutAfterChunks: count.optional(),
});

export const ScriptedErrorSchema = z.strictObject({
  /** HTTP status, e.g. 429, 500, 529 (Anthropic's "overloaded"). */
  status: z.number().int().min(400).max(599),
  /** The error type where the API has one (Anthropic, OpenAI); default from the status. */
  type: z.string().min(1).optional(),
  message: z.string().optional(),
  /** Seconds, sent as the `retry-after` header. */
  retryAfter: z.number().int().nonnegative().optional(),
  /** Streamed answers: stream this many chunks of the reply, then send the error as an in-stream event. */
  afterChunks: count.optional(),
});

const outcomeShape = {
  reply: ReplySchema.optional(),
  error: ScriptedErrorSchema.optional(),
};

function checkOutcome(outcome: { reply?: unknown; error?: { afterChunks?: number } }, ctx: z.RefinementCtx) {
  if (!outcome.reply && !outcome.error) {
    ctx.addIssue({ code: 'custom', message: 'needs a reply, an error, or both' });
  }
  if (outcome.reply && outcome.error && outcome.error.afterChunks === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'a reply with an error needs error.afterChunks (the error then comes mid-stream)',
    });
  }
}

export const TurnSchema = z
  .strictObject({
    name: z.string().optional(),
    match: MatchSchema.default({}),
    ...outcomeShape,
    times: z.number().int().positive().optional(),
  })
  .superRefine(checkOutcome);

export const OutcomeSchema = z.strictObject(outcomeShape).superRefine(checkOutcome);

export const ScenarioSchema = z.strictObject({
  /** Model name reported when a request names none, and listed by the models endpoints. */
  model: z.string().min(1).default('hangar-scripted'),
  pace: PaceSchema.default({}),
  turns: z.array(TurnSchema).default([]),
  /** The answer when no turn matches. Default: a text reply saying so. */
  fallback: OutcomeSchema.optional(),
});

/** A scenario as written (defaults not yet applied). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario, defaults applied. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type Turn = z.output<typeof TurnSchema>;
export type Outcome = z.output<typeof OutcomeSchema>;
export type Reply = z.output<typeof ReplySchema>;
export type ScriptedError = z.output<typeof ScriptedErrorSchema>;
export type Usage = z.output<typeof UsageSchema>;
export type Pace = z.output<typeof PaceSchema>;
export type Match = z.output<typeof MatchSchema>;
