import type { Notification } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { notificationKeys, useNotificationList, useNotificationSettings } from '../../api/notifications';
import { onNotificationPush } from './notification-bus';

/** Pops up a browser notification when the page may, and opens its link on click. */
function popUp(notification: Notification, open: (link: string) => void): void {
  if (typeof window.Notification !== 'function' || window.Notification.permission !== 'granted') return;
  const shown = new window.Notification(notification.title, {
    body: notification.body,
    tag: notification.id,
  });
  shown.onclick = () => {
    window.focus();
    if (notification.link) open(notification.link);
    shown.close();
  };
}

/**
 * New notifications: pushed live on a workspace page (over its live stream),
 * else found when the centre's list refreshes. Each refreshes the centre and
 * pops up once in the browser when the user wants that kind there.
 */
export function useNotificationPushes(): void {
  const client = useQueryClient();
  const navigate = useNavigate();
  const list = useNotificationList();
  const settings = useNotificationSettings();
  const [shown] = useState(() => new Set<string>());
  const [since] = useState(() => new Date().toISOString());
  const show = useCallback(
    (notification: Notification) => {
      if (shown.has(notification.id)) return;
      shown.add(notification.id);
      popUp(notification, (link) => void navigate(link));
    },
    [shown, navigate],
  );

  useEffect(
    () =>
      onNotificationPush((push) => {
        void client.invalidateQueries({ queryKey: notificationKeys.list });
        if (push.browser) show(push.notification);
        else shown.add(push.notification.id);
      }),
    [client, show, shown],
  );

  // Found by polling: unread, newer than this page, and wanted in the browser.
  useEffect(() => {
    const wanted = settings.data;
    if (!wanted) return;
    for (const n of list.data?.notifications ?? []) {
      if (!n.readAt && n.createdAt >= since && wanted[n.kind].browser) show(n);
    }
  }, [list.data, settings.data, since, show]);
}
