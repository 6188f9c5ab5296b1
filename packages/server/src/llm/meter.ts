import type { Kysely } from 'kysely';
import { iso, type Clock } from '../common/clock.js';
import { newId } from '../common/crypto.js';
import type { Database, LlmCallsTable } from '../store/schema.js';
import type { Budgets } from './budgets.js';
import type { PriceTable } from './pricing.js';
import type { Usage } from './usage.js';

export interface CallRecord {
  workspaceId: string | null;
  sessionId: string | null;
  userId: string | null;
  provider: string;
  api: string;
  model: string;
  usage: Usage;
  status: number;
  error: string | null;
  streamed: boolean;
  firstByteMs: number | null;
  durationMs: number;
}

/** Told of each recorded call (its session's usage event); a failure is warned, not thrown. */
export type RecordedHook = (row: LlmCallsTable) => Promise<void>;

/** Records every proxied call with its tokens and cost, and charges it against the budgets. */
export class UsageMeter {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly prices: PriceTable,
    private readonly budgets: Budgets,
    private readonly clock: Clock,
    private readonly onRecorded?: RecordedHook,
  ) {}

  async record(call: CallRecord): Promise<LlmCallsTable> {
    const row: LlmCallsTable = {
      id: newId(),
      workspace_id: call.workspaceId,
      session_id: call.sessionId,
      user_id: call.userId,
      provider: call.provider,
      api: call.api,
      model: call.model,
      input_tokens: call.usage.input,
      output_tokens: call.usage.output,
      cache_read_tokens: call.usage.cacheRead,
      cache_write_tokens: call.usage.cacheWrite,
      reasoning_tokens: call.usage.reasoning,
      cost_usd: this.prices.cost(call.model, call.usage),
      status: call.status,
      error: call.error,
      streamed: call.streamed ? 1 : 0,
      first_byte_ms: call.firstByteMs,
      duration_ms: call.durationMs,
      created_at: iso(this.clock.now()),
    };
    await this.db.insertInto('llm_calls').values(row).execute();
    this.budgets.charged(row);
    await this.onRecorded?.(row).catch((error: unknown) =>
      process.emitWarning(`LLM meter: call ${row.id} recorded, but: ${(error as Error).message}`),
    );
    return row;
  }
}
