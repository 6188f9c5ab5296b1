import {
  DEFAULT_NOTIFICATION_SETTINGS,
  notificationKind,
  notificationSettings,
  type Notification,
  type NotificationKind,
  type NotificationSettings,
} from '@hangar/protocol';
import type { Kysely } from 'kysely';
import { LocalPubSub, type PubSub, type Topic } from '../../events/pubsub.js';
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

/** Notification `id` of the user (the key) is new or was read; this replica's subscribers get it whole. */
interface NotificationNotice {
  id: string;
  browser: boolean;
  notification?: Notification;
}

const NOTIFICATIONS: Topic<NotificationNotice> = {
  name: 'notifications',
  notice: ({ id, browser }) => ({ id, browser }),
  fromNotice: (notice) => {
    const { id, browser } = notice as NotificationNotice;
    return { id: String(id), browser: browser === true };
  },
};

/** Longest body kept, in characters (a mention's message may be long). */
const MAX_BODY_CHARS = 500;

/**
 * The in-app notification centre: stored per user, pushed live to their open
 * tabs, each kind shown in the centre and/or as a browser notification as
 * the user's settings say.
 */
export class NotificationService {
  private readonly db: TeamDb;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly pubsub: PubSub = new LocalPubSub(),
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
    await this.pubsub.publish(NOTIFICATIONS, userId, {
      id: row.id,
      browser: channels.browser,
      notification,
    });
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
      await this.pubsub.publish(NOTIFICATIONS, row.user_id, { id: row.id, browser: false, notification });
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

  /**
   * Live pushes for one user's open tabs, whichever replica made them (another replica's are read
   * from the table, in the order they were heard of). After the replica lost its notices for a
   * while, notifications made since the last push that were not pushed are pushed then.
   * Returns the unsubscribe function.
   */
  subscribe(userId: string, listener: Listener): () => void {
    let stopped = false;
    let queue = Promise.resolve();
    const pushed = new Set<string>();
    let since = iso(this.clock.now());
    const push = (notification: Notification, browser: boolean) => {
      if (stopped) return;
      pushed.add(notification.id);
      if (pushed.size > 1000) pushed.delete(pushed.values().next().value!);
      if (notification.createdAt > since) since = notification.createdAt;
      try {
        listener({ notification, browser });
      } catch (error) {
        process.emitWarning(`a notification subscriber failed: ${(error as Error).message}`);
      }
    };
    let pending = 0;
    const later = (work: () => Promise<void>) => {
      pending++;
      queue = queue
        .then(work)
        .catch((error: unknown) => {
          process.emitWarning(`reading notifications failed: ${(error as Error).message}`);
        })
        .finally(() => pending--);
    };
    const unsubscribe = this.pubsub.subscribe(NOTIFICATIONS, userId, (notice) => {
      if (notice?.notification) {
        const { notification, browser } = notice;
        // Behind a read of the table still running: after it, in the order heard.
        if (pending === 0) push(notification, browser);
        else later(async () => push(notification, browser));
      } else if (notice) {
        const { id, browser } = notice;
        later(async () => {
          const row = await this.db
            .selectFrom('notifications')
            .selectAll()
            .where('id', '=', id)
            .where('user_id', '=', userId)
            .executeTakeFirst();
          if (row) push(present(row), browser);
        });
      } else {
        later(async () => {
          const [rows, settings] = await Promise.all([
            this.db
              .selectFrom('notifications')
              .selectAll()
              .where('user_id', '=', userId)
              .where('created_at', '>=', since)
              .orderBy('created_at')
              .orderBy('id')
              .execute(),
            this.settings(userId),
          ]);
          for (const row of rows) {
            const kind = notificationKind.safeParse(row.kind);
            if (!pushed.has(row.id)) push(present(row), kind.success && settings[kind.data].browser);
          }
        });
      }
    });
    return () => {
      stopped = true;
      unsubscribe();
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
