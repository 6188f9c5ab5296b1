import type { Kysely } from 'kysely';
import type { Config } from '../config/index.js';
import { errors } from '../errors.js';
import { iso, monthStart, type Clock } from '../common/clock.js';
import type { Database, LlmCallsTable } from '../store/schema.js';

export type BudgetScope = 'user' | 'workspace';
type SpendColumn = 'user_id' | 'workspace_id';

export interface BudgetEntry {
  scope: BudgetScope;
  subjectId: string;
  monthlyUsd: number;
  /** Spent in the current calendar month (UTC). */
  spentUsd: number;
}

/**
 * Monthly LLM budgets per user and per workspace, and the spend they are held
 * against: the only code that reads or writes the `budgets` table. A call is
 * charged to the person who acted (see llm/acting-person.ts) and to its workspace.
 */
export class Budgets {
  /** This month's spend per user and workspace, summed once and then kept current by charged(). */
  private readonly spentCache = new Map<string, number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Pick<Config, 'budgetUserMonthlyUsd' | 'budgetWorkspaceMonthlyUsd'>,
    private readonly clock: Clock,
  ) {}

  /** A recorded call's cost joins this month's spend of its person and workspace. */
  charged(row: Pick<LlmCallsTable, 'user_id' | 'workspace_id' | 'cost_usd' | 'created_at'>): void {
    const month = monthStart(new Date(row.created_at));
    for (const key of [`user_id:${row.user_id}:${month}`, `workspace_id:${row.workspace_id}:${month}`]) {
      const known = this.spentCache.get(key);
      if (known !== undefined) this.spentCache.set(key, known + row.cost_usd);
    }
  }

  /** Refuses a call when the acting person's or the workspace's budget for this month is spent. */
  async check(userId: string | null, workspace: { id: string; name: string }): Promise<void> {
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

  /** The subject's own monthly budget in US dollars, else `fallback` (the configured default). */
  async budgetOf(scope: BudgetScope, subjectId: string, fallback: number): Promise<number> {
    const row = await this.db
      .selectFrom('budgets')
      .select('monthly_usd')
      .where('scope', '=', scope)
      .where('subject_id', '=', subjectId)
      .executeTakeFirst();
    return row ? Number(row.monthly_usd) : fallback;
  }

  /** US dollars charged to a user or workspace since `since` (ISO). */
  async spent(column: SpendColumn, id: string, since: string): Promise<number> {
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

  /** Every budget set by an admin, with this month's spend. */
  async list(): Promise<BudgetEntry[]> {
    const since = monthStart(this.clock.now());
    const rows = await this.db.selectFrom('budgets').selectAll().orderBy('scope').execute();
    return Promise.all(
      rows.map(async (r) => {
        const scope: BudgetScope = r.scope === 'user' ? 'user' : 'workspace';
        return {
          scope,
          subjectId: r.subject_id,
          monthlyUsd: Number(r.monthly_usd),
          spentUsd: await this.spent(scope === 'user' ? 'user_id' : 'workspace_id', r.subject_id, since),
        };
      }),
    );
  }

  /** Sets the monthly budget of an existing user or workspace. */
  async set(scope: BudgetScope, subjectId: string, monthlyUsd: number): Promise<void> {
    const exists = await this.db
      .selectFrom(scope === 'user' ? 'users' : 'workspaces')
      .select('id')
      .where('id', '=', subjectId)
      .executeTakeFirst();
    if (!exists) throw errors.notFound(scope === 'user' ? 'The user' : 'The workspace');
    const row = { scope, subject_id: subjectId, monthly_usd: monthlyUsd, updated_at: iso(this.clock.now()) };
    await this.db
      .insertInto('budgets')
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(['scope', 'subject_id'])
          .doUpdateSet({ monthly_usd: row.monthly_usd, updated_at: row.updated_at }),
      )
      .execute();
  }

  /** Back to the configured default. */
  async reset(scope: BudgetScope, subjectId: string): Promise<void> {
    await this.db
      .deleteFrom('budgets')
      .where('scope', '=', scope)
      .where('subject_id', '=', subjectId)
      .execute();
  }
}
