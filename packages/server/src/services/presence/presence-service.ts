import { PRESENCE_HEARTBEAT_SECONDS, type PresenceMember } from '@hangar/protocol';
import { sql, type Kysely } from 'kysely';
import { errors } from '../../errors.js';
import { LocalPubSub, type PubSub, type Topic } from '../../events/pubsub.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';

export type PresenceEvent =
  { type: 'join' | 'update'; member: PresenceMember } | { type: 'leave'; userId: string };
type Listener = (event: PresenceEvent) => void;

/** A tab of one person, as stored (migration 0010). */
export type PresenceTabsTable = {
  workspace_id: string;
  tab_id: string;
  user_id: string;
  panel: string | null;
  /** Last heartbeat, ms on the clock. */
  beat_at: number | string;
  joined_at: number | string;
  /** Orders a person's tabs by their last change of panel: the latest one's panel is theirs. */
  active_order: number | string;
  /** The stream holding the tab: a new id per connection. */
  conn: string;
};

type PresenceDb = Kysely<Database & { presence_tabs: PresenceTabsTable }>;

/** A person's presence in the workspace (the key) changed; the data is read from the table. */
interface PresenceNotice {
  type: PresenceEvent['type'];
  userId: string;
}

const PRESENCE: Topic<PresenceNotice> = {
  name: 'presence',
  notice: (notice) => notice,
  fromNotice: (notice) => {
    const { type, userId } = notice as PresenceNotice;
    return { type: type === 'join' || type === 'leave' ? type : 'update', userId: String(userId) };
  },
};

/** A tab that sent nothing for this long (ms) has left: a closed laptop keeps no socket alive. */
export const PRESENCE_TIMEOUT_MS = 3 * PRESENCE_HEARTBEAT_SECONDS * 1000;

/**
 * Who is in each workspace: one row per open tab (in the database, so every replica sees the
 * tabs open on the others), folded into one entry per person. Join and leave go to every
 * replica's streams through the pub/sub when a person's first tab opens and their last one closes
 * or times out. Any replica's sweep removes a tab that stopped beating; the replica holding its
 * stream closes the stream at its next sweep.
 */
export class PresenceService {
  private readonly db: PresenceDb;
  /** The tabs whose streams this replica holds, by connection id. */
  private readonly local = new Map<string, { close: () => void }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly pubsub: PubSub = new LocalPubSub(),
    private readonly timeoutMs = PRESENCE_TIMEOUT_MS,
  ) {
    this.db = db.withTables<{ presence_tabs: PresenceTabsTable }>();
    this.timer = setInterval(
      () =>
        void this.sweep().catch((error: unknown) =>
          process.emitWarning(`presence sweep: ${(error as Error).message}`),
        ),
      Math.min(5_000, timeoutMs / 3),
    );
    this.timer.unref();
  }

  async members(workspaceId: string): Promise<PresenceMember[]> {
    const rows = await this.db
      .selectFrom('presence_tabs as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .select(['t.user_id', 't.panel', 't.joined_at', 't.active_order', 'u.username', 'u.display_name'])
      .where('t.workspace_id', '=', workspaceId)
      .execute();
    const byUser = new Map<string, typeof rows>();
    for (const row of rows) byUser.set(row.user_id, [...(byUser.get(row.user_id) ?? []), row]);
    return [...byUser.values()]
      .map((tabs) => {
        const latest = tabs.reduce((a, b) => (Number(b.active_order) > Number(a.active_order) ? b : a));
        return {
          userId: latest.user_id,
          username: latest.username,
          displayName: latest.display_name,
          panel: latest.panel,
          tabs: tabs.length,
          since: iso(new Date(Math.min(...tabs.map((t) => Number(t.joined_at))))),
        };
      })
      .sort((a, b) => a.since.localeCompare(b.since));
  }

  /** A tab opened its stream; returns the function that ends it. */
  async connect(
    principal: Principal,
    workspaceId: string,
    tabId: string,
    panel: string | null,
    close: () => void,
  ): Promise<() => void> {
    const userId = principal.user.id;
    const previous = await this.tab(workspaceId, tabId);
    if (previous && previous.user_id !== userId)
      throw errors.conflict('This tab id is taken: make a new one.');
    const had = await this.hasUser(workspaceId, userId);
    const now = this.clock.now().getTime();
    const conn = newId();
    const row = {
      workspace_id: workspaceId,
      tab_id: tabId,
      user_id: userId,
      panel,
      beat_at: now,
      joined_at: Number(previous?.joined_at ?? now),
      active_order: this.nextOrder(workspaceId),
      conn,
    };
    await this.db
      .insertInto('presence_tabs')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['workspace_id', 'tab_id']).doUpdateSet({
          panel,
          beat_at: now,
          active_order: this.nextOrder(workspaceId),
          conn,
        }),
      )
      .execute();
    // The tab reconnected: its previous stream ends (here, or at its replica's next sweep).
    if (previous) this.closeLocal(previous.conn);
    this.local.set(conn, { close });
    await this.pubsub.publish(PRESENCE, workspaceId, { type: had ? 'update' : 'join', userId });
    return () => {
      this.local.delete(conn);
      void this.leave(workspaceId, tabId, conn).catch((error: unknown) =>
        process.emitWarning(`presence leave: ${(error as Error).message}`),
      );
    };
  }

  async heartbeat(principal: Principal, workspaceId: string, tabId: string, panel: string | null) {
    const tab = await this.tab(workspaceId, tabId);
    if (!tab || tab.user_id !== principal.user.id)
      throw errors.notFound('This tab’s presence (it timed out): reopen the presence stream');
    const now = this.clock.now().getTime();
    const changed = tab.panel !== panel;
    await this.db
      .updateTable('presence_tabs')
      .set({ beat_at: now, ...(changed && { panel, active_order: this.nextOrder(workspaceId) }) })
      .where('workspace_id', '=', workspaceId)
      .where('tab_id', '=', tabId)
      .where('conn', '=', tab.conn)
      .execute();
    if (changed) await this.pubsub.publish(PRESENCE, workspaceId, { type: 'update', userId: tab.user_id });
  }

  /**
   * Join, update and leave events of the workspace from every replica, each with the person as
   * the table has them when it is read; after missed notices, an update of everyone present.
   */
  subscribe(workspaceId: string, listener: Listener): () => void {
    let stopped = false;
    let queue = Promise.resolve();
    const tell = (event: PresenceEvent) => {
      if (stopped) return;
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`a presence subscriber failed: ${(error as Error).message}`);
      }
    };
    const unsubscribe = this.pubsub.subscribe(PRESENCE, workspaceId, (notice) => {
      queue = queue
        .then(async () => {
          if (stopped) return;
          const members = await this.members(workspaceId);
          if (!notice) {
            for (const member of members) tell({ type: 'update', member });
            return;
          }
          const member = members.find((m) => m.userId === notice.userId);
          if (notice.type === 'leave') {
            if (!member) tell({ type: 'leave', userId: notice.userId });
          } else if (member) tell({ type: notice.type, member });
        })
        .catch((error: unknown) =>
          process.emitWarning(`reading presence failed: ${(error as Error).message}`),
        );
    });
    return () => {
      stopped = true;
      unsubscribe();
    };
  }

  /** Drops tabs without a heartbeat for the timeout (any replica's), and ends this replica's streams of tabs gone. */
  async sweep(): Promise<void> {
    const expired = this.clock.now().getTime() - this.timeoutMs;
    const gone = await this.db
      .deleteFrom('presence_tabs')
      .where('beat_at', '<', expired)
      .returning(['workspace_id', 'user_id', 'conn'])
      .execute();
    for (const tab of gone) await this.announceLeft(tab.workspace_id, tab.user_id);
    if (this.local.size === 0) return;
    const held = new Set(
      (
        await this.db
          .selectFrom('presence_tabs')
          .select('conn')
          .where('conn', 'in', [...this.local.keys()])
          .execute()
      ).map((row) => row.conn),
    );
    for (const conn of [...this.local.keys()]) if (!held.has(conn)) this.closeLocal(conn);
  }

  close(): void {
    clearInterval(this.timer);
  }

  private closeLocal(conn: string): void {
    const tab = this.local.get(conn);
    this.local.delete(conn);
    tab?.close();
  }

  private async leave(workspaceId: string, tabId: string, conn: string): Promise<void> {
    const gone = await this.db
      .deleteFrom('presence_tabs')
      .where('workspace_id', '=', workspaceId)
      .where('tab_id', '=', tabId)
      .where('conn', '=', conn)
      .returning('user_id')
      .executeTakeFirst();
    if (gone) await this.announceLeft(workspaceId, gone.user_id);
  }

  private async announceLeft(workspaceId: string, userId: string): Promise<void> {
    const type = (await this.hasUser(workspaceId, userId)) ? 'update' : 'leave';
    await this.pubsub.publish(PRESENCE, workspaceId, { type, userId });
  }

  private tab(workspaceId: string, tabId: string) {
    return this.db
      .selectFrom('presence_tabs')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('tab_id', '=', tabId)
      .executeTakeFirst();
  }

  private async hasUser(workspaceId: string, userId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('presence_tabs')
      .select('tab_id')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** One more than the workspace's latest change of panel (counted in the database, across replicas). */
  private nextOrder(workspaceId: string) {
    return sql<number>`(select coalesce(max(active_order), 0) + 1 from presence_tabs where workspace_id = ${workspaceId})`;
  }
}
