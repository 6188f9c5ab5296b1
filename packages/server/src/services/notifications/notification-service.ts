import {
  DEFAULT_NOTIFICATION_SETTINGS,
  notificationKind,
  notificationSettings,
  type Notification,
  type NotificationKind,
  type NotificationSettings,
} from '@hangar/protocol';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import { teamDb, type NotificationsTable, type TeamDb } from '../chat/tables.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';

export interface NotificationInput {
  kind: NotificationKind;
  title: string;
  body: string;
  workspaceId: string | null;
  link: string | null;
  /** Sent at most once per user and key (a budget threshold in a month, say). */
  dedupeKey?: string;
}

export interface NotificationPush {
  notification: Notification;
  browser: boolean;
}
type Listener = (push: NotificationPush) => void;

/** Longest body kept, in characters (a mention's message may be long). */
const MAX_BODY_CHARS = 500;

/**
 * The in-app notification centre: stored per user, pushed live to their open
 * tabs, each kind shown in the centre and/or as a browser notification as
 * the user's settings say.
 */
export class NotificationService {
  private readonly db: TeamDb;
  private readonly listeners = new Map<string, Set<Listener>>();

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
  ) {
    this.db = teamDb(db);
  }

  async notify(userId: string, input: NotificationInput): Promise<Notification | undefined> {
    const channels = (await this.settings(userId))[input.kind];
    if (!channels.inApp && !channels.browser) return undefined;
    const row: NotificationsTable = {
      id: newId(),
      user_id: userId,
      kind: input.kind,
      title: input.title,
      body: input.body.length > MAX_BODY_CHARS ? `${input.body.slice(0, MAX_BODY_CHARS)}…` : input.body,
      workspace_id: input.workspaceId,
      link: input.link,
      dedupe_key: input.dedupeKey ?? null,
      created_at: iso(this.clock.now()),
      read_at: channels.inApp ? null : iso(this.clock.now()),
    };
    // Browser-only notifications are kept too (as read), so a dedupe key holds for them.
    try {
      await this.db.insertInto('notifications').values(row).execute();
    } catch (error) {
      if (input.dedupeKey && isUniqueViolation(error)) return undefined;
      throw error;
    }
    const notification = present(row);
    for (const listener of this.listeners.get(userId) ?? [])
      listener({ notification, browser: channels.browser });
    return notification;
  }

  /**
   * Marks every unread notification of a kind and link read, for everyone who got one (an approval
   * someone answered is no one's to do any more), and tells their open tabs.
   */
  async resolve(kind: NotificationKind, link: string): Promise<void> {
    const rows = await this.db
      .selectFrom('notifications')
      .selectAll()
      .where('kind', '=', kind)
      .where('link', '=', link)
      .where('read_at', 'is', null)
      .execute();
    if (rows.length === 0) return;
    const readAt = iso(this.clock.now());
    await this.db
      .updateTable('notifications')
      .set({ read_at: readAt })
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .where('read_at', 'is', null)
      .execute();
    for (const row of rows) {
      const notification = present({ ...row, read_at: readAt });
      for (const listener of this.listeners.get(row.user_id) ?? [])
        listener({ notification, browser: false });
    }
  }

  async list(userId: string, options: { limit: number; unread?: boolean | undefined }) {
    let query = this.db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id')
      .limit(options.limit);
    if (options.unread) query = query.where('read_at', 'is', null);
    const rows = await query.execute();
    return { notifications: rows.map(present), unread: await this.unreadCount(userId) };
  }

  async markRead(userId: string, which: { ids: string[] } | { all: true }): Promise<{ unread: number }> {
    let query = this.db
      .updateTable('notifications')
      .set({ read_at: iso(this.clock.now()) })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null);
    if ('ids' in which) query = query.where('id', 'in', which.ids);
    await query.execute();
    return { unread: await this.unreadCount(userId) };
  }

  async settings(userId: string): Promise<NotificationSettings> {
    const row = await this.db
      .selectFrom('notification_settings')
      .select('settings')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (!row) return DEFAULT_NOTIFICATION_SETTINGS;
    const parsed = notificationSettings.safeParse({
      ...DEFAULT_NOTIFICATION_SETTINGS,
      ...JSON.parse(row.settings),
    });
    return parsed.success ? parsed.data : DEFAULT_NOTIFICATION_SETTINGS;
  }

  async updateSettings(userId: string, patch: Partial<NotificationSettings>): Promise<NotificationSettings> {
    const next = notificationSettings.parse({ ...(await this.settings(userId)), ...patch });
    const values = { user_id: userId, settings: JSON.stringify(next), updated_at: iso(this.clock.now()) };
    await this.db
      .insertInto('notification_settings')
      .values(values)
      .onConflict((oc) =>
        oc.column('user_id').doUpdateSet({ settings: values.settings, updated_at: values.updated_at }),
      )
      .execute();
    return next;
  }

  /** Live pushes for one user's open tabs; returns the unsubscribe function. */
  subscribe(userId: string, listener: Listener): () => void {
    const set = this.listeners.get(userId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(userId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(userId);
    };
  }

  private async unreadCount(userId: string): Promise<number> {
    const row = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
}

function present(row: NotificationsTable): Notification {
  return {
    id: row.id,
    kind: notificationKind.parse(row.kind),
    title: row.title,
    body: row.body,
    workspaceId: row.workspace_id,
    link: row.link,
    createdAt: row.created_at,
    readAt: row.read_at,
  };
}
