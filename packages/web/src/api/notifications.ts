import {
  notificationList,
  notificationSettings,
  notificationUnread,
  type NotificationSettings,
} from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';

export const notificationKeys = {
  list: ['notifications'] as const,
  settings: ['notifications', 'settings'] as const,
};

/**
 * How often the list refreshes, in milliseconds. On a workspace page new
 * notifications are also pushed over its live stream (no extra connection).
 */
const REFRESH_MS = 20_000;

export function useNotificationList() {
  return useQuery({
    queryKey: notificationKeys.list,
    queryFn: ({ signal }) => apiRequest('/api/notifications?limit=30', notificationList, { signal }),
    refetchInterval: REFRESH_MS,
  });
}

export function useMarkNotificationsRead() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (which: { ids: string[] } | { all: true }) =>
      apiRequest('/api/notifications/read', notificationUnread, { method: 'POST', body: which }),
    onSettled: () => client.invalidateQueries({ queryKey: notificationKeys.list }),
  });
}

export function useNotificationSettings() {
  return useQuery({
    queryKey: notificationKeys.settings,
    queryFn: ({ signal }) => apiRequest('/api/notifications/settings', notificationSettings, { signal }),
  });
}

export function useUpdateNotificationSettings() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (patch: Partial<NotificationSettings>) =>
      apiRequest('/api/notifications/settings', notificationSettings, { method: 'PUT', body: patch }),
    onSuccess: (data) => client.setQueryData(notificationKeys.settings, data),
  });
}
