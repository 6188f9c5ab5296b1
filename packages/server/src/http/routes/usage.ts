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
import { usageCsv } from '../../llm/usage-report.js';
import { principalOf } from '../auth.js';
import type { App, AppContext } from '../types.js';

const admin = { access: 'admin' as const };

export async function usageRoutes(app: App, { services, config }: AppContext) {
  const { keys, budgets, reports } = services.llm;

  app.get(
    '/api/usage',
    {
      schema: {
        tags: ['usage'],
        summary:
          'LLM usage and cost by user, workspace, session, model or day (format=csv for a spreadsheet)',
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
    async () => ({
      budgets: await budgets.list(),
      defaults: {
        userMonthlyUsd: config.budgetUserMonthlyUsd,
        workspaceMonthlyUsd: config.budgetWorkspaceMonthlyUsd,
      },
    }),
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
      await budgets.set(request.params.scope, request.params.subjectId, request.body.monthlyUsd);
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
      await budgets.reset(request.params.scope, request.params.subjectId);
      return { ok: true as const };
    },
  );
}
