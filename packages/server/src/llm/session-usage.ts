import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import type { LlmCallsTable } from '../store/schema.js';

/** Longest a session's run end waits for its model calls' records, in ms: a call cut off is recorded at once. */
const SETTLE_LIMIT_MS = 10_000;

/**
 * A session's usage event for one metered call: the proxy's record (tokens as the provider
 * reported them, cost from the price table) is what the session's events carry, so that the
 * session's cost adds up to what it was charged. Calls that used nothing get no event.
 */
export function sessionUsageEvent(row: LlmCallsTable): AgentEvent | undefined {
  const used =
    row.input_tokens + row.output_tokens + row.cache_read_tokens + row.cache_write_tokens > 0 ||
    row.cost_usd > 0;
  if (!row.session_id || !used) return undefined;
  return {
    type: EventType.CUSTOM,
    name: HANGAR_EVENT.usage,
    value: {
      inputTokens: row.input_tokens,
      outputTokens: row.output_tokens,
      cacheReadTokens: row.cache_read_tokens,
      cacheWriteTokens: row.cache_write_tokens,
      costUsd: row.cost_usd,
      model: row.model,
      callId: row.id,
    },
  };
}

/**
 * The proxied calls of each session that are not recorded yet. A session's run ends only
 * after them (`settled`), so that a turn's usage events come before its RUN_FINISHED: the
 * agent may read a stream's last bytes a moment before the proxy has written its record.
 */
export class SessionCalls {
  private readonly open = new Map<string, Set<Promise<void>>>();

  /** Marks a call of the session as under way; the returned function marks it recorded. */
  begin(sessionId: string): () => void {
    let finish!: () => void;
    const done = new Promise<void>((resolve) => (finish = resolve));
    const calls = this.open.get(sessionId) ?? new Set();
    calls.add(done);
    this.open.set(sessionId, calls);
    return () => {
      calls.delete(done);
      if (calls.size === 0 && this.open.get(sessionId) === calls) this.open.delete(sessionId);
      finish();
    };
  }

  /** Settles when the session's calls under way now are recorded (at most SETTLE_LIMIT_MS). */
  async settled(sessionId: string): Promise<void> {
    const calls = this.open.get(sessionId);
    if (!calls || calls.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    // A call still streaming after its run ended is not the run's: its usage event follows later.
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, SETTLE_LIMIT_MS)));
    await Promise.race([Promise.all(calls), limit]);
    clearTimeout(timer);
  }
}
