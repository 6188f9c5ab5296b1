import {
  createdWebhook,
  okResponse,
  webhookDeliveryList,
  webhookList,
  type WebhookEvent,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';

/** How often an open delivery log refreshes (retries land on their own), in milliseconds. */
const DELIVERIES_REFRESH_MS = 5_000;

export const webhookKeys = {
  list: (workspaceId: string) => ['workspaces', 'detail', workspaceId, 'webhooks'] as const,
  deliveries: (webhookId: string) => ['webhooks', webhookId, 'deliveries'] as const,
};

export function useWorkspaceWebhooks(workspaceId: string) {
  return useQuery({
    queryKey: webhookKeys.list(workspaceId),
    queryFn: ({ signal }) =>
      apiRequest(`/api/webhooks?workspace=${encodeURIComponent(workspaceId)}`, webhookList, { signal }),
    select: (data) => data.webhooks,
  });
}

export function useCreateWebhook(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: { url: string; events: WebhookEvent[] }) =>
      apiRequest('/api/webhooks', createdWebhook, { method: 'POST', body: { ...body, workspaceId } }),
    onSuccess: () => client.invalidateQueries({ queryKey: webhookKeys.list(workspaceId) }),
  });
}

export function useDeleteWebhook(workspaceId: string) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (id: string) =>
      apiRequest(`/api/webhooks/${encodeURIComponent(id)}`, okResponse, { method: 'DELETE' }),
    onSettled: () => client.invalidateQueries({ queryKey: webhookKeys.list(workspaceId) }),
  });
}

export function useWebhookDeliveries(webhookId: string) {
  return useQuery({
    queryKey: webhookKeys.deliveries(webhookId),
    queryFn: ({ signal }) =>
      apiRequest(`/api/webhooks/${encodeURIComponent(webhookId)}/deliveries`, webhookDeliveryList, {
        signal,
      }),
    select: (data) => data.deliveries,
    refetchInterval: DELIVERIES_REFRESH_MS,
  });
}
