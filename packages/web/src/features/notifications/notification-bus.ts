import { notificationPush, type Notification } from '@hangar/protocol';

type PushListener = (push: { notification: Notification; browser: boolean }) => void;
const listeners = new Set<PushListener>();

/** Hands a pushed notification (from a workspace page's live stream) to the bell. */
export function publishNotification(data: unknown): void {
  const parsed = notificationPush.safeParse(data);
  if (!parsed.success) return;
  for (const listener of listeners) listener(parsed.data);
}

export function onNotificationPush(listener: PushListener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
