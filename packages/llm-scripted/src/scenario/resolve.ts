import type { Conversation, ResolvedError, ResolvedReply } from '../apis/api.js';
import type { Pace, Reply, Scenario, ScriptedError } from './schema.js';

/** Characters per token for estimates: the usual rule of thumb for English text and code. */
const CHARS_PER_TOKEN = 4;

export const estimateTokens = (chars: number) => Math.ceil(chars / CHARS_PER_TOKEN);

export const DEFAULT_PACE: Required<Pace> = { chunkChars: 16, intervalMs: 20, firstChunkMs: 0 };

export function resolvePace(scenario: Scenario, reply: Reply | undefined): Required<Pace> {
  return { ...DEFAULT_PACE, ...scenario.pace, ...reply?.pace };
}

/** Fills in model, usage estimates, stop reason and tool arguments. */
export function resolveReply(reply: Reply, scenario: Scenario, conversation: Conversation): ResolvedReply {
  const toolCalls = reply.toolCalls.map((call) => ({
    id: call.id,
    name: call.name,
    input: call.input,
    arguments: JSON.stringify(call.input),
  }));
  const reasoning = reply.reasoning ?? '';
  const text = reply.text ?? '';
  const given = reply.usage;
  const visibleOutput = estimateTokens(
    text.length + toolCalls.reduce((n, c) => n + c.name.length + c.arguments.length, 0),
  );
  const output = given.output ?? visibleOutput + (given.reasoning ?? estimateTokens(reasoning.length));
  return {
    model: conversation.model ?? scenario.model,
    reasoning,
    text,
    toolCalls,
    usage: {
      input: given.input ?? estimateTokens(conversation.promptChars),
      output,
      cacheRead: given.cacheRead ?? 0,
      cacheWrite: given.cacheWrite ?? 0,
      reasoning: Math.min(output, given.reasoning ?? estimateTokens(reasoning.length)),
    },
    stopReason: reply.stopReason ?? (toolCalls.length ? 'tool_use' : 'end_turn'),
    chunkChars: resolvePace(scenario, reply).chunkChars,
  };
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'Invalid request (scripted).',
  401: 'Invalid API key (scripted).',
  403: 'Permission denied (scripted).',
  404: 'Not found (scripted).',
  429: 'Rate limit exceeded (scripted).',
  500: 'Internal server error (scripted).',
  503: 'Service unavailable (scripted).',
  529: 'Overloaded (scripted).',
};

export function resolveError(error: ScriptedError): ResolvedError {
  return {
    status: error.status,
    type: error.type,
    message: error.message ?? DEFAULT_MESSAGES[error.status] ?? `Scripted error ${error.status}.`,
  };
}
