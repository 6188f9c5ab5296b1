import { z } from 'zod';
import { id, timestamp } from './common.js';

export const webhookEvent = z.enum([
  'session.started',
  'session.awaiting_approval',
  'session.finished',
  'session.failed',
  'chat.mention',
]);
export type WebhookEvent = z.infer<typeof webhookEvent>;

/** Header carrying `sha256=<hex HMAC-SHA256 of the raw body under the webhook's secret>`. */
export const WEBHOOK_SIGNATURE_HEADER = 'x-hangar-signature-256';

export const webhook = z.object({
  id,
  /** Null for a global webhook (events of every workspace). */
  workspaceId: id.nullable(),
  url: z.string(),
  events: z.array(webhookEvent),
  enabled: z.boolean(),
  createdBy: id.nullable(),
  createdAt: timestamp,
});
export type Webhook = z.infer<typeof webhook>;
export const webhookList = z.object({ webhooks: z.array(webhook) });
export const webhookListQuery = z.strictObject({ workspace: id.optional() });

export const createWebhookRequest = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'use an http:// or https:// URL' })
    .max(2000, 'a URL may have at most 2000 characters'),
  events: z.array(webhookEvent).min(1, 'choose at least one event'),
  /** Omit for a global webhook (admins only). */
  workspaceId: id.optional(),
  /** The signing secret; a random one is made when omitted. */
  secret: z.string().min(16, 'a secret needs at least 16 characters').max(200).optional(),
});
/** The only time the secret is returned. */
export const createdWebhook = webhook.extend({ secret: z.string() });

export const webhookDelivery = z.object({
  id,
  webhookId: id,
  event: webhookEvent,
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int().nonnegative(),
  /** The receiver's last HTTP status, or null when it could not be reached. */
  responseStatus: z.number().int().nullable(),
  error: z.string().nullable(),
  nextAttemptAt: timestamp.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
});
export const webhookDeliveryList = z.object({ deliveries: z.array(webhookDelivery) });
