import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../store/schema.js';

const SESSIONS = 3;
const EVENTS_PER_SESSION = 5000;
const MAX_CHARS = 20_000;

const textEvent = z.object({
  type: z.string(),
  messageId: z.string().optional(),
  role: z.string().optional(),
  delta: z.string().optional(),
});

/**
 * A pull request body from what the agents said: the last assistant message
 * of each of the workspace's latest sessions, read from the event log.
 */
export async function agentSummary(db: Kysely<Database>, workspaceId: string): Promise<string | undefined> {
  const sessions = await db
    .selectFrom('agent_sessions')
    .select(['id', 'title', 'agent'])
    .where('workspace_id', '=', workspaceId)
    .orderBy('last_event_at', 'desc')
    .limit(SESSIONS)
    .execute();
  const parts: string[] = [];
  for (const session of sessions.reverse()) {
    const rows = await db
      .selectFrom('session_events')
      .select('data')
      .where('session_id', '=', session.id)
      .where('type', 'in', ['TEXT_MESSAGE_START', 'TEXT_MESSAGE_CONTENT', 'TEXT_MESSAGE_CHUNK'])
      .orderBy('seq', 'desc')
      .limit(EVENTS_PER_SESSION)
      .execute();
    const text = lastAssistantMessage(rows.reverse().map((r) => r.data));
    if (text) parts.push(sessions.length > 1 ? `### ${session.title || session.agent}\n\n${text}` : text);
  }
  const body = parts.join('\n\n').trim();
  if (!body) return undefined;
  return body.length > MAX_CHARS ? `${body.slice(0, MAX_CHARS)}\n\n…` : body;
}

function lastAssistantMessage(events: string[]): string | undefined {
  const roles = new Map<string, string>();
  const texts = new Map<string, string>();
  const order: string[] = [];
  for (const data of events) {
    const parsed = textEvent.safeParse(JSON.parse(data));
    if (!parsed.success || !parsed.data.messageId) continue;
    const { messageId, role, delta } = parsed.data;
    if (role) roles.set(messageId, role);
    if (!texts.has(messageId)) order.push(messageId);
    texts.set(messageId, (texts.get(messageId) ?? '') + (delta ?? ''));
  }
  for (const id of order.reverse()) {
    const text = texts.get(id)?.trim();
    if (text && (roles.get(id) ?? 'assistant') === 'assistant') return text;
  }
  return undefined;
}
