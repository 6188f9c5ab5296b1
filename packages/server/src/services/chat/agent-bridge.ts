import { EventType, type StoredEvent } from '@hangar/protocol';
import type { AgentCatalog } from '../../agents/catalog.js';
import type { EventLog } from '../../events/event-log.js';
import { HangarError, errors } from '../../errors.js';
import type { Principal } from '../auth.js';
import type { SessionService } from '../sessions/session-service.js';
import type { ChatService } from './chat-service.js';
import type { SessionSignal, SessionWatcher } from './session-watcher.js';

/** Longest agent reply copied into chat, in characters; the whole reply stays in the session. */
const MAX_REPLY_CHARS = 8_000;
/** Agents tried, in order, when `@agent` must start a session. */
const PREFERRED_AGENTS = ['claude-code', 'codex', 'gemini', 'pi'];

/**
 * Chat and agents: `@agent …` goes to the workspace's active session (or a
 * new one with the default agent), and that turn's reply comes back to chat
 * as an `agent` message. Session events become `system` messages.
 */
export class ChatAgentBridge {
  /** Sessions owing chat a reply: the text of the reply so far. */
  private readonly replies = new Map<string, { text: string }>();
  private readonly labels = new Map<string, string>();
  private readonly stop: () => void;

  constructor(
    private readonly chat: ChatService,
    private readonly sessions: SessionService,
    private readonly agents: AgentCatalog,
    events: EventLog,
    watcher: SessionWatcher,
  ) {
    chat.routeAgentRequests((principal, workspaceId, text) => this.route(principal, workspaceId, text));
    this.stop = events.observe((stored) => this.collect(stored));
    watcher.subscribe((signal) => this.onSignal(signal));
  }

  close(): void {
    this.stop();
  }

  private async route(principal: Principal, workspaceId: string, text: string): Promise<string> {
    const list = await this.sessions.list(principal, workspaceId);
    const active = list.find((s) => s.status !== 'stopped' && s.status !== 'error');
    if (active) {
      this.replies.set(active.id, { text: '' });
      try {
        await this.sessions.send(principal, active.id, text);
        return active.id;
      } catch (error) {
        this.replies.delete(active.id);
        // Not live after a server restart, say: fall through to a new session.
        if (!(error instanceof HangarError && error.id === 'session_not_running')) throw error;
      }
    }
    const agent = await this.defaultAgent();
    const model = await this.agents.defaultModel(agent);
    if (!model) throw errors.badRequest(`The ${agent} agent has no default model configured.`);
    const session = await this.sessions.create(principal, {
      workspaceId,
      agent,
      model,
      permissionMode: 'ask',
    });
    this.replies.set(session.id, { text: '' });
    await this.sessions.send(principal, session.id, text);
    return session.id;
  }

  private async defaultAgent(): Promise<string> {
    const available = (await this.agents.list()).filter((a) => a.unavailable === null);
    for (const a of available) this.labels.set(a.name, a.label);
    const rank = (name: string) => {
      const index = PREFERRED_AGENTS.indexOf(name);
      return index < 0 ? PREFERRED_AGENTS.length : index;
    };
    const [first] = available.sort((a, b) => rank(a.name) - rank(b.name));
    if (!first) throw errors.conflict('No agent can run on this server: install one to use @agent.');
    return first.name;
  }

  /** Keeps the last text message of a turn that chat is waiting for. */
  private collect(stored: StoredEvent): void {
    const reply = this.replies.get(stored.sessionId);
    if (!reply) return;
    const { event } = stored;
    if (event.type === EventType.TEXT_MESSAGE_START) reply.text = '';
    else if (event.type === EventType.TEXT_MESSAGE_CONTENT) reply.text += event.delta;
    else if (event.type === EventType.TEXT_MESSAGE_CHUNK) reply.text += event.delta ?? '';
  }

  private async onSignal(signal: SessionSignal): Promise<void> {
    const { session, workspace } = signal;
    const label = await this.label(session.agent);
    const who = signal.starter?.displayName ?? 'Someone';
    switch (signal.kind) {
      case 'started':
        await this.chat.postAs('system', workspace.id, `${who} started a ${label} session`, session.id);
        return;
      case 'awaiting_approval':
        await this.chat.postAs(
          'system',
          workspace.id,
          `The ${label} session “${session.title}” awaits approval`,
          session.id,
        );
        return;
      case 'failed': {
        this.replies.delete(session.id);
        const reason = signal.message ? `: ${signal.message}` : '';
        await this.chat.postAs('system', workspace.id, `The ${label} session failed${reason}`, session.id);
        return;
      }
      case 'finished': {
        const reply = this.replies.get(session.id);
        if (!reply) return;
        this.replies.delete(session.id);
        const text = reply.text.trim() || `(${label} finished without a reply)`;
        const clipped =
          text.length > MAX_REPLY_CHARS
            ? `${text.slice(0, MAX_REPLY_CHARS)}… (the rest is in the session)`
            : text;
        await this.chat.postAs('agent', workspace.id, clipped, session.id);
      }
    }
  }

  private async label(agent: string): Promise<string> {
    if (!this.labels.has(agent)) for (const a of await this.agents.list()) this.labels.set(a.name, a.label);
    return this.labels.get(agent) ?? agent;
  }
}
