import {
  budgetList,
  budgetParams,
  okResponse,
  providerList,
  providerParams,
  setBudgetRequest,
  setProviderKeyRequest,
  usageQuery,
  usageReport,
  type UsageReport,
} from '@hangar/protocol';
import { errors } from '../../errors.js';
import { iso, systemClock } from '../../common/clock.js';
import { monthStart } from '../../llm/meter.js';
import { usageCsv } from '../../llm/usage-report.js';
import { principalOf } from '../auth.js';
import type { App, AppContext } from '../types.js';

const admin = { access: 'admin' as const };

export async function usageRoutes(app: App, { services, config, store }: AppContext) {
  const { keys, meter, reports } = services.llm;

  app.get(
    '/api/usage',
    {
      schema: {
        tags: ['usage'],
        summary: 'LLM usage and cost by user, workspace, model or day (format=csv for a spreadsheet)',
        querystring: usageQuery,
        response: { 200: usageReport },
      },
    },
    async (request, reply) => {
      const report = await reports.report(principalOf(request), request.query);
      if (request.query.format === 'csv') {
        return reply
          .header('content-type', 'text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="hangar-usage-by-${report.by}.csv"`)
          .serializer((payload: unknown) => String(payload))
          .send(usageCsv(report) as unknown as UsageReport); // CSV text, sent as is by the serializer above
      }
      return report;
    },
  );

  app.get(
    '/api/admin/providers',
    { config: admin, schema: { tags: ['providers'], response: { 200: providerList } } },
    async () => ({
      providers: await keys.list(),
    }),
  );

  app.put(
    '/api/admin/providers/:name/key',
    {
      config: admin,
      schema: {
        tags: ['providers'],
        summary: 'Set a provider key; it is sealed at rest and never shown again',
        params: providerParams,
        body: setProviderKeyRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      if (!keys.provider(request.params.name)) throw errors.unknownProvider(request.params.name);
      await keys.set(request.params.name, request.body.key, principalOf(request).user.id);
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/admin/providers/:name/key',
    { config: admin, schema: { tags: ['providers'], params: providerParams, response: { 200: okResponse } } },
    async (request) => {
      if (!keys.provider(request.params.name)) throw errors.unknownProvider(request.params.name);
      await keys.remove(request.params.name);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/budgets',
    { config: admin, schema: { tags: ['usage'], response: { 200: budgetList } } },
    async () => {
      const since = monthStart(systemClock.now());
      const rows = await store.db.selectFrom('budgets').selectAll().orderBy('scope').execute();
      return {
        budgets: await Promise.all(
          rows.map(async (r) => ({
            scope: r.scope === 'user' ? ('user' as const) : ('workspace' as const),
            subjectId: r.subject_id,
            monthlyUsd: Number(r.monthly_usd),
            spentUsd: await meter.spent(r.scope === 'user' ? 'user_id' : 'workspace_id', r.subject_id, since),
          })),
        ),
        defaults: {
          userMonthlyUsd: config.budgetUserMonthlyUsd,
          workspaceMonthlyUsd: config.budgetWorkspaceMonthlyUsd,
        },
      };
    },
  );

  app.put(
    '/api/budgets/:scope/:subjectId',
    {
      config: admin,
      schema: {
        tags: ['usage'],
        params: budgetParams,
        body: setBudgetRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      const { scope, subjectId } = request.params;
      const table = scope === 'user' ? 'users' : 'workspaces';
      const exists = await store.db
        .selectFrom(table)
        .select('id')
        .where('id', '=', subjectId)
        .executeTakeFirst();
      if (!exists) throw errors.notFound(scope === 'user' ? 'The user' : 'The workspace');
      const row = {
        scope,
        subject_id: subjectId,
        monthly_usd: request.body.monthlyUsd,
        updated_at: iso(systemClock.now()),
      };
      await store.db
        .insertInto('budgets')
        .values(row)
        .onConflict((oc) =>
          oc
            .columns(['scope', 'subject_id'])
            .doUpdateSet({ monthly_usd: row.monthly_usd, updated_at: row.updated_at }),
        )
        .execute();
      return { ok: true as const };
    },
  );

  app.delete(
    '/api/budgets/:scope/:subjectId',
    {
      config: admin,
      schema: {
        tags: ['usage'],
        summary: 'Back to the default budget',
        params: budgetParams,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await store.db
        .deleteFrom('budgets')
        .where('scope', '=', request.params.scope)
        .where('subject_id', '=', request.params.subjectId)
        .execute();
      return { ok: true as const };
    },
  );
}
