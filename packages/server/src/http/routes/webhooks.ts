import {
  createWebhookRequest,
  createdWebhook,
  idParams,
  okResponse,
  webhookDeliveryList,
  webhookList,
  webhookListQuery,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import type { App, AppContext } from '../types.js';

const tags = ['webhooks'];

/** Webhooks of a workspace (its owners) or global (admins), and their delivery logs. */
export async function webhookRoutes(app: App, { services }: AppContext) {
  const { webhooks } = services.team;

  app.get(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Every webhook (admins), or a workspace’s (?workspace=, its owners)',
        querystring: webhookListQuery,
        response: { 200: webhookList },
      },
    },
    async (request) => ({ webhooks: await webhooks.list(principalOf(request), request.query.workspace) }),
  );

  app.post(
    '/api/webhooks',
    {
      schema: {
        tags,
        summary: 'Add a webhook; its signing secret is returned this once',
        body: createWebhookRequest,
        response: { 201: createdWebhook },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await webhooks.create(principalOf(request), request.body)),
  );

  app.delete(
    '/api/webhooks/:id',
    { schema: { tags, summary: 'Remove a webhook', params: idParams, response: { 200: okResponse } } },
    async (request) => {
      await webhooks.remove(principalOf(request), request.params.id);
      return { ok: true as const };
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      schema: {
        tags,
        summary:
          'The delivery log: status, attempts, the receiver’s answer (admins and the workspace’s owners)',
        params: idParams,
        response: { 200: webhookDeliveryList },
      },
    },
    async (request) => ({ deliveries: await webhooks.deliveries(principalOf(request), request.params.id) }),
  );
}
