import type { ChatMessage, ChatMessageType, ChatPage } from '@hangar/protocol';
import type { Kysely } from 'kysely';
import { errors } from '../../errors.js';
import { CatchUp } from '../../events/catch-up.js';
import { LocalPubSub, type PubSub, type Topic } from '../../events/pubsub.js';
import { isUniqueViolation } from '../../store/database.js';
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

/** A workspace's message `seq` was posted or changed; this replica's subscribers get it whole. */
interface ChatNotice {
  type: ChatEvent['type'];
  seq: number;
  message?: ChatMessage;
}

const CHAT: Topic<ChatNotice> = {
  name: 'chat',
  notice: ({ type, seq }) => ({ type, seq }),
  fromNotice: (notice) => {
    const { type, seq } = notice as ChatNotice;
    return { type: type === 'message_updated' ? type : 'message', seq: Number(seq) };
  },
};

/** Most attempts at a message id another replica took at the same moment. */
const APPEND_ATTEMPTS = 5;

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
  private readonly mentionObservers = new Set<(event: MentionEvent) => void>();
  private agentRouter: AgentRouter | undefined;

  constructor(
    db: Kysely<Database>,
    private readonly workspaces: WorkspaceService,
    private readonly clock: Clock,
    private readonly pubsub: PubSub = new LocalPubSub(),
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

  /**
   * Live messages and edits from now on, whichever replica wrote them (callers catch up with
   * `list(after)`); returns the unsubscribe function.
   */
  subscribe(workspaceId: string, listener: Listener): () => void {
    return this.watch(workspaceId, undefined, listener).stop;
  }

  /**
   * New messages after `afterId` from the store, then live ones and edits (from any replica),
   * with no gap and no duplicate between the two. Returns the unsubscribe function.
   */
  async follow(workspaceId: string, afterId: number, listener: Listener): Promise<() => void> {
    const watch = this.watch(workspaceId, afterId, listener);
    try {
      await watch.replayed;
    } catch (error) {
      watch.stop();
      throw error;
    }
    return watch.stop;
  }

  /**
   * One subscriber: messages are delivered in id order from `afterId` (or from the first one
   * heard), read from the table unless this replica wrote them and they follow on; an edit is
   * delivered once the message it changes was.
   */
  private watch(workspaceId: string, afterId: number | undefined, listener: Listener) {
    let delivered = afterId;
    let replaying = afterId !== undefined;
    let missed = false;
    const edits: ChatNotice[] = [];
    const tell = (event: ChatEvent) => {
      if (catchUp.isStopped) return;
      try {
        listener(event);
      } catch (error) {
        process.emitWarning(`a chat subscriber failed: ${(error as Error).message}`);
      }
    };
    const deliver = (message: ChatMessage) => {
      if (delivered !== undefined && message.id <= delivered) return;
      delivered = message.id;
      tell({ type: 'message', message });
    };
    const readOn = async () => {
      while (delivered !== undefined && !catchUp.isStopped) {
        const rows = await this.selectMessages()
          .where('m.workspace_id', '=', workspaceId)
          .where('m.seq', '>', delivered)
          .orderBy('m.seq')
          .limit(500)
          .execute();
        for (const row of rows) deliver(present(row));
        if (rows.length < 500) break;
      }
      for (const edit of edits.splice(0)) {
        if (delivered !== undefined && edit.seq > delivered) continue; // delivered as it is now
        tell({ type: 'message_updated', message: edit.message ?? (await this.find(workspaceId, edit.seq)) });
      }
    };
    const catchUp = new CatchUp(readOn, (error) =>
      process.emitWarning(`reading workspace ${workspaceId}'s chat failed: ${(error as Error).message}`),
    );
    const unsubscribe = this.pubsub.subscribe(CHAT, workspaceId, (notice) => {
      if (notice?.type === 'message_updated') {
        const seen = delivered === undefined || notice.seq <= delivered;
        if (!replaying && notice.message && seen && !catchUp.busy)
          tell({ type: 'message_updated', message: notice.message });
        else {
          edits.push(notice);
          if (replaying) missed = true;
          else void catchUp.kick();
        }
        return;
      }
      if (replaying) {
        missed = true;
        return;
      }
      if (notice && delivered === undefined) delivered = notice.seq - 1;
      if (notice && notice.seq <= delivered!) return;
      if (notice?.message && !catchUp.busy && notice.seq === delivered! + 1) deliver(notice.message);
      else void catchUp.kick();
    });
    const replayed = (async () => {
      if (!replaying) return;
      await readOn();
      replaying = false;
      if (missed) void catchUp.kick();
    })();
    return {
      replayed,
      stop: () => {
        catchUp.stop();
        unsubscribe();
      },
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
    await this.pubsub.publish(CHAT, workspaceId, { type: 'message_updated', seq, message });
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
      let seq = (await this.last(workspaceId)) + 1;
      const row = {
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
      };
      for (let attempt = 1; ; attempt++) {
        try {
          await this.db
            .insertInto('chat_messages')
            .values({ ...row, seq })
            .execute();
          break;
        } catch (error) {
          // Another replica took this id (its insert committed first): number on from the store's.
          if (!isUniqueViolation(error) || attempt >= APPEND_ATTEMPTS) throw error;
          this.lastSeq.delete(workspaceId);
          seq = (await this.last(workspaceId)) + 1;
        }
      }
      this.lastSeq.set(workspaceId, seq);
      const message = await this.find(workspaceId, seq);
      await this.pubsub.publish(CHAT, workspaceId, { type: 'message', seq, message });
      return message;
    });
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
