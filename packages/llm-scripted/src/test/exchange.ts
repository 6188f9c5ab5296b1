/** A conversation in neutral form, which each test client turns into its API's request. */
export type Exchange =
  | { role: 'user'; text: string }
  | {
      role: 'assistant';
      text?: string;
      toolCall?: { id: string; name: string; input: Record<string, unknown> };
    }
  | { role: 'tool'; callId: string; name: string; output: string };

/** An answer as the tests compare it, whichever API it came through. */
export interface Answer {
  text: string;
  reasoning: string;
  toolCalls: { id: string; name: string; input: unknown }[];
  /** Mapped back from the API's fields to the scenario's meaning (see the README). */
  usage: { input: number; output: number; cacheRead: number; cacheWrite: number; reasoning: number };
  /** Mapped back to the scenario's names where the API's name is unambiguous. */
  stopReason: string;
}

/** An error as an SDK reports it. */
export interface SdkErrorInfo {
  status: number | undefined;
  /** The SDK's error class name, e.g. RateLimitError. */
  className: string;
  message: string;
}

/**
 * One API, driven through its official SDK. `onChunk` is called (with
 * `performance.now()`) as each piece of content arrives.
 */
export interface SdkClient {
  readonly api: 'anthropic' | 'openai-chat' | 'openai-responses' | 'gemini';
  /** Gemini has no field for cache writes: they are counted as plain input. */
  readonly reportsCacheWrite: boolean;
  complete(conversation: Exchange[], model?: string): Promise<Answer>;
  stream(conversation: Exchange[], onChunk?: (at: number) => void, model?: string): Promise<Answer>;
  describeError(err: unknown): SdkErrorInfo;
}

export const textOnly = (text: string): Exchange[] => [{ role: 'user', text }];

export function parseArguments(json: string): unknown {
  return json ? (JSON.parse(json) as unknown) : {};
}

export function describeGenericError(err: unknown): SdkErrorInfo {
  if (!(err instanceof Error)) return { status: undefined, className: typeof err, message: String(err) };
  const status = 'status' in err && typeof err.status === 'number' ? err.status : undefined;
  return { status, className: err.constructor.name, message: err.message };
}
