import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';

/**
 * Row types of the team tables (migration 0007). Kept beside the services
 * that own them; a service widens its Kysely with `db.withTables<TeamTables>()`.
 */
export type ChatMessagesTable = {
  workspace_id: string;
  /** 1, 2, 3… per workspace: the message id and pagination cursor. */
  seq: number;
  type: 'user' | 'agent' | 'system' | 'bot';
  author_id: string | null;
  bot_name: string | null;
  body: string;
  /** JSON array of user ids. */
  mentions: string;
  session_id: string | null;
  created_at: string;
  edited_at: string | null;
  deleted_at: string | null;
};

export type ChatReadsTable = {
  workspace_id: string;
  user_id: string;
  last_read_seq: number;
};

export type NotificationsTable = {
  id: string;
  user_id: string;
  kind: string;
  title: string;
  body: string;
  workspace_id: string | null;
  link: string | null;
  dedupe_key: string | null;
  created_at: string;
  read_at: string | null;
};

export type NotificationSettingsTable = {
  user_id: string;
  /** JSON of the protocol's NotificationSettings. */
  settings: string;
  updated_at: string;
};

export type WebhooksTable = {
  id: string;
  workspace_id: string | null;
  url: string;
  /** JSON array of event names. */
  events: string;
  /** AES-256-GCM of the signing secret (common/secrets.ts). */
  secret_sealed: string;
  enabled: number;
  created_by: string | null;
  created_at: string;
};

export type WebhookDeliveriesTable = {
  id: string;
  webhook_id: string;
  event: string;
  /** The exact JSON body sent (and signed). */
  payload: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  response_status: number | null;
  error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  updated_at: string;
};

export type TeamTables = {
  chat_messages: ChatMessagesTable;
  chat_reads: ChatReadsTable;
  notifications: NotificationsTable;
  notification_settings: NotificationSettingsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
};

export type TeamDb = Kysely<Database & TeamTables>;

export function teamDb(db: Kysely<Database>): TeamDb {
  return db.withTables<TeamTables>();
}
