import type { ChatMessage, ChatMessageType, ChatPage } from '@hangar/protocol';
import type { Kysely } from 'kysely';
import { errors } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import type { WorkspaceRow } from '../workspaces/repository.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { agentRequest, mentionedNames } from './mentions.js';
import { teamDb, type ChatMessagesTable, type TeamDb } from './tables.js';

export interface ChatEvent {
  type: 'message' | 'message_updated';
  message: ChatMessage;
}
type Listener = (event: ChatEvent) => void;

export interface MentionEvent {
  message: ChatMessage;
  workspace: WorkspaceRow;
  /** Members mentioned, the author excepted. */
  userIds: string[];
}

/** Sends `@agent …` text to the workspace's agent; returns the session id (see agent-bridge.ts). */
export type AgentRouter = (principal: Principal, workspaceId: string, text: string) => Promise<string>;

type Row = ChatMessagesTable & { username: string | null; display_name: string | null };

/**
 * The workspace chat. Messages get ids 1, 2, 3… per workspace under a lock,
 * stored before the next id is handed out, so a reader paging with `after`
 * sees them in id order and never misses one that commits late.
 */
export class ChatService {
  private readonly db: TeamDb;
  private readonly lock = new KeyedLock();
  private readonly lastSeq = new Map<string, number>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly mentionObservers = new Set<(event: MentionEvent) => void>();
  private agentRouter: AgentRouter | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly workspaces: WorkspaceService,
    private readonly clock: Clock,
  ) {
    this.db = teamDb(db);
  }

  routeAgentRequests(router: AgentRouter): void {
    this.agentRouter = router;
  }

  onMention(observer: (event: MentionEvent) => void): () => void {
    this.mentionObservers.add(observer);
    return () => this.mentionObservers.delete(observer);
  }

  async list(
    principal: Principal,
    workspaceId: string,
    query: { after?: number | undefined; before?: number | undefined; limit: number },
  ): Promise<ChatPage> {
    await this.workspaces.get(principal, workspaceId, 'read');
    let select = this.selectMessages()
      .where('m.workspace_id', '=', workspaceId)
      .limit(query.limit + 1);
    if (query.after !== undefined) {
      select = select.where('m.seq', '>', query.after).orderBy('m.seq', 'asc');
    } else {
      if (query.before !== undefined) select = select.where('m.seq', '<', query.before);
      select = select.orderBy('m.seq', 'desc');
    }
    const rows = await select.execute();
    const hasMore = rows.length > query.limit;
    const page = rows.slice(0, query.limit);
    if (query.after === undefined) page.reverse();
    return { messages: page.map(present), hasMore };
  }

  /** A member's message; `@agent …` also goes to the workspace's agent session. */
  async post(principal: Principal, workspaceId: string, text: string): Promise<ChatMessage> {
    const view = await this.workspaces.get(principal, workspaceId, 'operate');
    const names = new Set(mentionedNames(text));
    const mentions = view.members.filter((m) => names.has(m.username)).map((m) => m.userId);
    const forAgent = agentRequest(text);
    let sessionId: string | null = null;
    if (forAgent !== undefined) {
      if (!this.agentRouter) throw errors.unavailable('No agent can be reached from chat on this server.');
      sessionId = await this.agentRouter(principal, workspaceId, forAgent);
    }
    const message = await this.append(workspaceId, {
      type: 'user',
      author_id: principal.user.id,
      body: text,
      mentions,
      session_id: sessionId,
    });
    const userIds = mentions.filter((id) => id !== principal.user.id);
    if (userIds.length) {
      for (const observer of this.mentionObservers) observer({ message, workspace: view.row, userIds });
    }
    return message;
  }

  /** From code inside the workspace (authenticated by its workspace token). */
  postBot(workspace: WorkspaceRow, text: string, name: string | undefined): Promise<ChatMessage> {
    return this.append(workspace.id, { type: 'bot', bot_name: name ?? 'workspace', body: text });
  }

  /** A `system` or `agent` message the server writes. */
  postAs(
    type: 'system' | 'agent',
    workspaceId: string,
    text: string,
    sessionId: string | null,
  ): Promise<ChatMessage> {
    return this.append(workspaceId, { type, body: text, session_id: sessionId });
  }

  async edit(principal: Principal, workspaceId: string, seq: number, text: string): Promise<ChatMessage> {
    // Editing is posting: a member who became a viewer can still delete, not rewrite.
    const view = await this.workspaces.get(principal, workspaceId, 'operate');
    await this.ownMessage(principal, workspaceId, seq, 'edit');
    const names = new Set(mentionedNames(text));
    const mentions = view.members.filter((m) => names.has(m.username)).map((m) => m.userId);
    return this.update(workspaceId, seq, {
      body: text,
      mentions: JSON.stringify(mentions),
      edited_at: iso(this.clock.now()),
    });
  }

  async remove(principal: Principal, workspaceId: string, seq: number): Promise<ChatMessage> {
    await this.workspaces.get(principal, workspaceId, 'read');
    await this.ownMessage(principal, workspaceId, seq, 'delete');
    return this.update(workspaceId, seq, { body: '', mentions: '[]', deleted_at: iso(this.clock.now()) });
  }

  async unread(principal: Principal, workspaceId: string) {
    await this.workspaces.get(principal, workspaceId, 'read');
    const userId = principal.user.id;
    const read = await this.db
      .selectFrom('chat_reads')
      .select('last_read_seq')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    const lastReadId = Number(read?.last_read_seq ?? 0);
    const base = this.db
      .selectFrom('chat_messages')
      .where('workspace_id', '=', workspaceId)
      .where('seq', '>', lastReadId)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('author_id', 'is', null), eb('author_id', '!=', userId)]));
    const count = async (query: typeof base) =>
      Number(
        (await query.select((eb) => eb.fn.countAll<number | string>().as('n')).executeTakeFirst())?.n ?? 0,
      );
    return {
      unread: await count(base),
      lastReadId,
      mentions: await count(base.where('mentions', 'like', `%"${userId}"%`)),
    };
  }

  /** Moves the member's read marker forward (never back) to `lastReadId`. */
  async markRead(principal: Principal, workspaceId: string, lastReadId: number) {
    await this.workspaces.get(principal, workspaceId, 'read');
    const seq = Math.min(lastReadId, await this.last(workspaceId));
    await this.db
      .insertInto('chat_reads')
      .values({ workspace_id: workspaceId, user_id: principal.user.id, last_read_seq: seq })
      .onConflict((oc) =>
        oc
          .columns(['workspace_id', 'user_id'])
          .doUpdateSet({ last_read_seq: seq })
          .where('chat_reads.last_read_seq', '<', seq),
      )
      .execute();
    return this.unread(principal, workspaceId);
  }

  /** Live messages and edits from now on (callers catch up with `list(after)`); returns the unsubscribe function. */
  subscribe(workspaceId: string, listener: Listener): () => void {
    const set = this.listeners.get(workspaceId) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(workspaceId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(workspaceId);
    };
  }

  /**
   * New messages after `afterId` from the store, then live ones and edits,
   * with no gap and no duplicate between the two. Returns the unsubscribe function.
   */
  async follow(workspaceId: string, afterId: number, listener: Listener): Promise<() => void> {
    let delivered = afterId;
    let replaying = true;
    const buffered: ChatEvent[] = [];
    const live: Listener = (event) => {
      if (replaying) buffered.push(event);
      else if (event.type === 'message_updated' || event.message.id > delivered) {
        if (event.type === 'message') delivered = event.message.id;
        listener(event);
      }
    };
    const set = this.listeners.get(workspaceId) ?? new Set<Listener>();
    set.add(live);
    this.listeners.set(workspaceId, set);
    for (;;) {
      const rows = await this.selectMessages()
        .where('m.workspace_id', '=', workspaceId)
        .where('m.seq', '>', delivered)
        .orderBy('m.seq')
        .limit(500)
        .execute();
      for (const row of rows) {
        delivered = Number(row.seq);
        listener({ type: 'message', message: present(row) });
      }
      if (rows.length < 500) break;
    }
    replaying = false;
    for (const event of buffered.splice(0)) live(event);
    return () => {
      set.delete(live);
      if (set.size === 0) this.listeners.delete(workspaceId);
    };
  }

  private async ownMessage(principal: Principal, workspaceId: string, seq: number, verb: string) {
    const row = await this.db
      .selectFrom('chat_messages')
      .select(['author_id', 'type', 'deleted_at'])
      .where('workspace_id', '=', workspaceId)
      .where('seq', '=', seq)
      .executeTakeFirst();
    if (!row) throw errors.notFound(`Message ${seq}`);
    if (row.type !== 'user' || row.author_id !== principal.user.id)
      throw errors.forbidden(`${verb} this message: only its author can`);
    if (row.deleted_at) throw errors.conflict(`Message ${seq} is deleted: it cannot be changed.`);
  }

  private async update(
    workspaceId: string,
    seq: number,
    patch: Partial<Pick<ChatMessagesTable, 'body' | 'mentions' | 'edited_at' | 'deleted_at'>>,
  ): Promise<ChatMessage> {
    await this.db
      .updateTable('chat_messages')
      .set(patch)
      .where('workspace_id', '=', workspaceId)
      .where('seq', '=', seq)
      .execute();
    const message = await this.find(workspaceId, seq);
    this.publish(workspaceId, { type: 'message_updated', message });
    return message;
  }

  private async append(
    workspaceId: string,
    input: {
      type: ChatMessageType;
      body: string;
      author_id?: string;
      bot_name?: string;
      mentions?: string[];
      session_id?: string | null;
    },
  ): Promise<ChatMessage> {
    return this.lock.run(workspaceId, async () => {
      const seq = (await this.last(workspaceId)) + 1;
      await this.db
        .insertInto('chat_messages')
        .values({
          workspace_id: workspaceId,
          seq,
          type: input.type,
          author_id: input.author_id ?? null,
          bot_name: input.bot_name ?? null,
          body: input.body,
          mentions: JSON.stringify(input.mentions ?? []),
          session_id: input.session_id ?? null,
          created_at: iso(this.clock.now()),
          edited_at: null,
          deleted_at: null,
        })
        .execute();
      this.lastSeq.set(workspaceId, seq);
      const message = await this.find(workspaceId, seq);
      this.publish(workspaceId, { type: 'message', message });
      return message;
    });
  }

  private publish(workspaceId: string, event: ChatEvent): void {
    for (const listener of this.listeners.get(workspaceId) ?? []) listener(event);
  }

  private async find(workspaceId: string, seq: number): Promise<ChatMessage> {
    const row = await this.selectMessages()
      .where('m.workspace_id', '=', workspaceId)
      .where('m.seq', '=', seq)
      .executeTakeFirstOrThrow();
    return present(row);
  }

  private async last(workspaceId: string): Promise<number> {
    const known = this.lastSeq.get(workspaceId);
    if (known !== undefined) return known;
    const row = await this.db
      .selectFrom('chat_messages')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  private selectMessages() {
    return this.db
      .selectFrom('chat_messages as m')
      .leftJoin('users as u', 'u.id', 'm.author_id')
      .selectAll('m')
      .select(['u.username', 'u.display_name']);
  }
}

function present(row: Row): ChatMessage {
  return {
    id: Number(row.seq),
    workspaceId: row.workspace_id,
    type: row.type,
    author:
      row.author_id && row.username
        ? { userId: row.author_id, username: row.username, displayName: row.display_name ?? row.username }
        : null,
    botName: row.bot_name,
    text: row.body,
    mentions: JSON.parse(row.mentions) as string[],
    sessionId: row.session_id,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
  };
}
