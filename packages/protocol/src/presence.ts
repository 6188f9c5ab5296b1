import { z } from 'zod';
import { id, timestamp } from './common.js';

/**
 * Who is in a workspace now. Each browser tab holds the presence stream open
 * and sends a heartbeat; a person counts once however many tabs they have,
 * and leaves when their last tab closes or stops beating.
 */
export const presencePanel = z
  .string()
  .min(1)
  .max(40)
  .regex(/^[a-z0-9-]+$/, 'a panel name is lowercase letters, digits and "-"');
export const tabId = z
  .string()
  .min(8)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/, 'a tab id is 8–64 URL-safe characters');

export const presenceMember = z.object({
  userId: id,
  username: z.string(),
  displayName: z.string(),
  /** The panel of their most recently active tab. */
  panel: presencePanel.nullable(),
  tabs: z.number().int().positive(),
  since: timestamp,
});
export type PresenceMember = z.infer<typeof presenceMember>;
export const presenceList = z.object({ members: z.array(presenceMember) });

export const presenceStreamQuery = z.strictObject({ tab: tabId, panel: presencePanel.optional() });
export const presenceHeartbeatRequest = z.strictObject({ tab: tabId, panel: presencePanel.nullable() });

/**
 * SSE events of the presence stream: `snapshot` (presenceList) first, then `join`/`update`
 * (presenceMember) and `leave` ({userId}); on the same connection, the chat's new `message`
 * and `message_updated` (chatMessage) and the user's `notification` (notificationPush).
 */
export const PRESENCE_EVENT = {
  snapshot: 'snapshot',
  join: 'join',
  update: 'update',
  leave: 'leave',
} as const;
export const presenceLeave = z.object({ userId: id });
/** Seconds between heartbeats a tab sends; one missing for three times this leaves. */
export const PRESENCE_HEARTBEAT_SECONDS = 15;
