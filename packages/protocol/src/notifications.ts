import { z } from 'zod';
import { id, timestamp } from './common.js';

/** `workspace`: Hangar stopped a workspace you own (over its disk cap, say). */
export const notificationKind = z.enum(['mention', 'approval', 'finished', 'failed', 'budget', 'workspace']);
export type NotificationKind = z.infer<typeof notificationKind>;

export const notification = z.object({
  id,
  kind: notificationKind,
  title: z.string(),
  body: z.string(),
  workspaceId: id.nullable(),
  /** Where in the web app it leads, a path such as /workspaces/abc. */
  link: z.string().nullable(),
  createdAt: timestamp,
  readAt: timestamp.nullable(),
});
export type Notification = z.infer<typeof notification>;
export const notificationList = z.object({
  notifications: z.array(notification),
  unread: z.number().int().nonnegative(),
});
export const notificationListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  unread: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});
export const markNotificationsReadRequest = z.union([
  z.strictObject({ ids: z.array(id).min(1).max(500) }),
  z.strictObject({ all: z.literal(true) }),
]);

/** Per kind: shown in the in-app centre, and as a browser notification. */
export const notificationChannels = z.object({ inApp: z.boolean(), browser: z.boolean() });
export const notificationSettings = z.object({
  mention: notificationChannels,
  approval: notificationChannels,
  finished: notificationChannels,
  failed: notificationChannels,
  budget: notificationChannels,
  workspace: notificationChannels,
});
export type NotificationSettings = z.infer<typeof notificationSettings>;
export const updateNotificationSettingsRequest = z.strictObject({
  mention: notificationChannels.optional(),
  approval: notificationChannels.optional(),
  finished: notificationChannels.optional(),
  failed: notificationChannels.optional(),
  budget: notificationChannels.optional(),
  workspace: notificationChannels.optional(),
});
export const DEFAULT_NOTIFICATION_SETTINGS: NotificationSettings = {
  mention: { inApp: true, browser: true },
  approval: { inApp: true, browser: true },
  finished: { inApp: true, browser: false },
  failed: { inApp: true, browser: true },
  budget: { inApp: true, browser: true },
  workspace: { inApp: true, browser: true },
};
/** SSE event of GET /api/notifications/stream: one `notification` each, with `browser` true when to pop one up. */
export const notificationPush = z.object({ notification, browser: z.boolean() });
export const notificationUnread = z.object({ unread: z.number().int().nonnegative() });
