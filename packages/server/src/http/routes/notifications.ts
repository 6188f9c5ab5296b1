import {
  markNotificationsReadRequest,
  notificationList,
  notificationListQuery,
  notificationSettings,
  notificationUnread,
  updateNotificationSettingsRequest,
} from '@hangar/protocol';
import { principalOf } from '../auth.js';
import { openSse, type SseStream } from '../sse.js';
import type { App, AppContext } from '../types.js';

const tags = ['notifications'];

/** Your notifications: the centre, live pushes, and which kinds you want where. */
export async function notificationRoutes(app: App, { services }: AppContext) {
  const { notifications } = services.team;
  const streams = new Set<SseStream>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.close();
  });

  app.get(
    '/api/notifications',
    {
      schema: {
        tags,
        summary: 'Your notifications, newest first, with the unread count',
        querystring: notificationListQuery,
        response: { 200: notificationList },
      },
    },
    (request) => notifications.list(principalOf(request).user.id, request.query),
  );

  app.post(
    '/api/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark notifications read: {ids} or {all: true}',
        body: markNotificationsReadRequest,
        response: { 200: notificationUnread },
      },
    },
    (request) => notifications.markRead(principalOf(request).user.id, request.body),
  );

  app.get(
    '/api/notifications/settings',
    {
      schema: {
        tags,
        summary: 'Which kinds you get in the app and in the browser',
        response: { 200: notificationSettings },
      },
    },
    (request) => notifications.settings(principalOf(request).user.id),
  );

  app.put(
    '/api/notifications/settings',
    {
      schema: {
        tags,
        summary: 'Change the settings of some kinds',
        body: updateNotificationSettingsRequest,
        response: { 200: notificationSettings },
      },
    },
    (request) => {
      const patch = Object.fromEntries(Object.entries(request.body).filter(([, v]) => v !== undefined));
      return notifications.updateSettings(principalOf(request).user.id, patch);
    },
  );

  app.get(
    '/api/notifications/stream',
    {
      config: { stream: true },
      schema: { tags, summary: 'Server-sent events: each new notification, as it happens' },
    },
    async (request, reply) => {
      const userId = principalOf(request).user.id;
      const stream = openSse(request, reply);
      streams.add(stream);
      const stop = notifications.subscribe(userId, (push) =>
        stream.send({ event: 'notification', data: push }),
      );
      void stream.closed.then(() => {
        streams.delete(stream);
        stop();
      });
    },
  );
}
