import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { errors } from '../errors.js';
import { iso, monthStart, type Clock } from '../common/clock.js';
import { newId } from '../common/crypto.js';
import type { Database, LlmCallsTable } from '../store/schema.js';
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

/** Records every proxied call with its tokens and cost, and keeps spending within budgets. */
export class UsageMeter {
  /** This month's spend per user and workspace, summed once and then kept current by record(). */
  private readonly spentCache = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly prices: PriceTable,
    private readonly config: Pick<Config, 'budgetUserMonthlyUsd' | 'budgetWorkspaceMonthlyUsd'>,
    private readonly clock: Clock,
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
    const month = monthStart(new Date(row.created_at));
    for (const key of [`user_id:${row.user_id}:${month}`, `workspace_id:${row.workspace_id}:${month}`]) {
      const known = this.spentCache.get(key);
      if (known !== undefined) this.spentCache.set(key, known + row.cost_usd);
    }
    return row;
  }

  /** Refuses a call when the user's or the workspace's budget for this month is spent. */
  async checkBudgets(userId: string | null, workspace: { id: string; name: string }): Promise<void> {
    const since = monthStart(this.clock.now());
    if (userId) {
      const limit = await this.budgetOf('user', userId, this.config.budgetUserMonthlyUsd);
      if (limit > 0) {
        const spent = await this.spent('user_id', userId, since);
        if (spent >= limit)
          throw errors.budgetExceeded('Your', spent, limit, `PUT /api/budgets/user/${userId}`);
      }
    }
    const limit = await this.budgetOf('workspace', workspace.id, this.config.budgetWorkspaceMonthlyUsd);
    if (limit > 0) {
      const spent = await this.spent('workspace_id', workspace.id, since);
      if (spent >= limit) {
        throw errors.budgetExceeded(
          `Workspace "${workspace.name}"`,
          spent,
          limit,
          `PUT /api/budgets/workspace/${workspace.id}`,
        );
      }
    }
  }

  async budgetOf(scope: 'user' | 'workspace', subjectId: string, fallback: number): Promise<number> {
    const row = await this.db
      .selectFrom('budgets')
      .select('monthly_usd')
      .where('scope', '=', scope)
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    return row ? Number(row.monthly_usd) : fallback;
  }

  async spent(column: 'user_id' | 'workspace_id', id: string, since: string): Promise<number> {
    const key = `${column}:${id}:${since}`;
    const cached = this.spentCache.get(key);
    if (cached !== undefined) return cached;
    const row = await this.db
      .selectFrom('llm_calls')
      .select((eb) => eb.fn.sum<number | string | null>('cost_usd').as('total'))
      .where(column, '=', id)
      .where('created_at', '>=', since)
      .executeTakeFirst();
    const total = Number(row?.total ?? 0);
    if (since === monthStart(this.clock.now())) this.spentCache.set(key, total);
    return total;
  }
}

export { monthStart };
