import type { WebhookEvent } from '@hangar/protocol';
import type { ChatService } from '../chat/chat-service.js';
import type { SessionSignalKind, SessionWatcher } from '../chat/session-watcher.js';
import type { WebhookService } from './webhook-service.js';

/** The signals webhooks deliver (an answered approval is none). */
const SESSION_EVENTS: Partial<Record<SessionSignalKind, WebhookEvent>> = {
  started: 'session.started',
  awaiting_approval: 'session.awaiting_approval',
  finished: 'session.finished',
  failed: 'session.failed',
};

/** Session signals and chat mentions become webhook deliveries. */
export function deliverTeamEvents(
  webhooks: WebhookService,
  chat: ChatService,
  watcher: SessionWatcher,
  onError: (error: unknown) => void,
): () => void {
  watcher.subscribe(async ({ kind, session, workspace, message }) => {
    const event = SESSION_EVENTS[kind];
    if (!event) return;
    await webhooks.dispatch(event, workspace, {
      session: {
        id: session.id,
        agent: session.agent,
        model: session.model,
        title: session.title,
        status: session.status,
        createdBy: session.created_by,
      },
      ...(message !== undefined && { message }),
    });
  });
  return chat.onMention(({ message, workspace, userIds }) => {
    void webhooks
      .dispatch('chat.mention', workspace, {
        message: { id: message.id, text: message.text, author: message.author, createdAt: message.createdAt },
        mentioned: userIds,
      })
      .catch(onError);
  });
}
