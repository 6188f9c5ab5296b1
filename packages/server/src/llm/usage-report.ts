import { sql, type Kysely } from 'kysely';
import type { UsageGroup, UsageReport, UsageRow } from '@hangar/protocol';
import { errors } from '../errors.js';
import type { Principal } from '../services/auth.js';
import { iso, monthStart, type Clock } from '../common/clock.js';
import type { Database } from '../store/schema.js';

/** Usage summed by user, workspace, session, model or day; members see the workspaces they belong to. */
export class UsageReports {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async report(
    principal: Principal,
    query: {
      by: UsageGroup;
      from?: string | undefined;
      to?: string | undefined;
      workspace?: string | undefined;
    },
  ): Promise<UsageReport> {
    const from = parseInstant(query.from, 'from') ?? monthStart(this.clock.now());
    const to = parseInstant(query.to, 'to') ?? iso(this.clock.now());
    const key = {
      user: sql<string>`coalesce(llm_calls.user_id, '')`,
      workspace: sql<string>`coalesce(llm_calls.workspace_id, '')`,
      session: sql<string>`coalesce(llm_calls.session_id, '')`,
      model: sql<string>`llm_calls.model`,
      day: sql<string>`substr(llm_calls.created_at, 1, 10)`,
    }[query.by];
    let select = this.db
      .selectFrom('llm_calls')
      .select((eb) => [
        key.as('key'),
        eb.fn.countAll<number | string>().as('calls'),
        eb.fn.sum<number | string>('input_tokens').as('input'),
        eb.fn.sum<number | string>('output_tokens').as('output'),
        eb.fn.sum<number | string>('cache_read_tokens').as('cache_read'),
        eb.fn.sum<number | string>('cache_write_tokens').as('cache_write'),
        eb.fn.sum<number | string>('cost_usd').as('cost'),
        eb.fn
          .sum<number | string>(sql`case when status >= 400 or error is not null then 1 else 0 end`)
          .as('failed'),
      ])
      .where('created_at', '>=', from)
      .where('created_at', '<', to)
      .groupBy(key)
      .orderBy(key);
    if (query.workspace) select = select.where('workspace_id', '=', query.workspace);
    if (principal.user.role !== 'admin') {
      const userId = principal.user.id;
      select = select.where('workspace_id', 'in', (eb) =>
        eb.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', userId),
      );
    }
    const raw = await select.execute();
    const labels = await this.labels(
      query.by,
      raw.map((r) => r.key),
    );
    const rows: UsageRow[] = raw.map((r) => ({
      key: r.key,
      label: labels.get(r.key) ?? r.key,
      calls: Number(r.calls),
      inputTokens: Number(r.input ?? 0),
      outputTokens: Number(r.output ?? 0),
      cacheReadTokens: Number(r.cache_read ?? 0),
      cacheWriteTokens: Number(r.cache_write ?? 0),
      costUsd: Number(r.cost ?? 0),
      errors: Number(r.failed ?? 0),
    }));
    const total = rows.reduce<UsageRow>(
      (sum, r) => ({
        ...sum,
        calls: sum.calls + r.calls,
        inputTokens: sum.inputTokens + r.inputTokens,
        outputTokens: sum.outputTokens + r.outputTokens,
        cacheReadTokens: sum.cacheReadTokens + r.cacheReadTokens,
        cacheWriteTokens: sum.cacheWriteTokens + r.cacheWriteTokens,
        costUsd: sum.costUsd + r.costUsd,
        errors: sum.errors + r.errors,
      }),
      {
        key: 'total',
        label: 'Total',
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 0,
        errors: 0,
      },
    );
    return { by: query.by, from, to, rows, total };
  }

  private async labels(by: UsageGroup, keys: string[]): Promise<Map<string, string>> {
    const ids = keys.filter(Boolean);
    if (ids.length === 0) return new Map();
    if (by === 'user') {
      const users = await this.db
        .selectFrom('users')
        .select(['id', 'username'])
        .where('id', 'in', ids)
        .execute();
      return new Map(users.map((u) => [u.id, u.username]));
    }
    if (by === 'workspace') {
      const rows = await this.db
        .selectFrom('workspaces')
        .select(['id', 'name'])
        .where('id', 'in', ids)
        .execute();
      return new Map(rows.map((w) => [w.id, w.name]));
    }
    if (by === 'session') {
      const rows = await this.db
        .selectFrom('agent_sessions')
        .select(['id', 'title'])
        .where('id', 'in', ids)
        .execute();
      return new Map(rows.map((s) => [s.id, s.title]));
    }
    return new Map();
  }
}

function parseInstant(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw errors.badRequest(`"${name}" must be a date such as 2026-11-01 or an ISO timestamp.`);
  return new Date(ms).toISOString();
}

/** RFC 4180 CSV of a report, with a header row. */
export function usageCsv(report: UsageReport): string {
  const header = [
    'key',
    'label',
    'calls',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_write_tokens',
    'cost_usd',
    'errors',
  ];
  const cell = (v: string | number) =>
    typeof v === 'number' ? String(v) : /[",\n\r]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
  const lines = [...report.rows, report.total].map((r) =>
    [
      r.key,
      r.label,
      r.calls,
      r.inputTokens,
      r.outputTokens,
      r.cacheReadTokens,
      r.cacheWriteTokens,
      r.costUsd.toFixed(6),
      r.errors,
    ]
      .map(cell)
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\r\n')}\r\n`;
}
