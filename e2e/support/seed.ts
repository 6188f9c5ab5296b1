import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import { EventLog } from '../../packages/server/src/events/event-log.js';
import { iso, systemClock } from '../../packages/server/src/common/clock.js';
import { openStore, type Store } from '../../packages/server/src/store/database.js';

/**
 * Rows for scale tests, written through the server's own store (Kysely, its
 * migrations' schema) into the database of a running `hangar serve`: SQLite's
 * WAL lets this process write beside the server. No HTTP route exists for it.
 */
export function openHangarStore(dataDir: string): Store {
  return openStore(`sqlite:${join(dataDir, 'hangar.db')}`);
}

const newId = () => randomBytes(12).toString('base64url');

/**
 * `count` stopped workspaces owned by `ownerId`, named `${prefix}-0001`…; no
 * sandbox behind them (a stopped workspace has none running). Their disk use
 * is marked measured so the reconciler leaves them be.
 */
export async function seedWorkspaces(
  store: Store,
  ownerId: string,
  count: number,
  prefix: string,
  uidBase: number,
): Promise<string[]> {
  const ids: string[] = [];
  const now = Date.now();
  const rows = Array.from({ length: count }, (_, i) => {
    // Spread over the last days, so the list's "last active" differs row to row.
    const at = iso(new Date(now - i * 600_000));
    const id = newId();
    ids.push(id);
    return {
      id,
      name: `${prefix}-${String(i + 1).padStart(4, '0')}`,
      state: 'stopped' as const,
      error: null,
      template: 'default',
      driver: 'bubblewrap',
      network: 'none' as const,
      source: JSON.stringify({ type: 'empty' }),
      branch: null,
      uid: uidBase + i,
      created_by: ownerId,
      created_at: at,
      updated_at: at,
      last_active_at: at,
      prepared_at: at,
      archived_at: null,
      files_expired_at: null,
      disk_bytes: (i % 50) * 1_048_576,
      disk_measured_at: iso(new Date(now + 86_400_000)),
      token_generation: 1,
      token_active: 0,
    };
  });
  await store.db.transaction().execute(async (tx) => {
    for (let i = 0; i < rows.length; i += 100) {
      const batch = rows.slice(i, i + 100);
      await tx.insertInto('workspaces').values(batch).execute();
      await tx
        .insertInto('workspace_members')
        .values(
          batch.map((row) => ({
            workspace_id: row.id,
            user_id: ownerId,
            role: 'owner' as const,
            added_at: row.created_at,
          })),
        )
        .execute();
    }
  });
  return ids;
}

/** A stopped agent session in `workspaceId` whose event log holds `events`, appended through the EventLog. */
export async function seedSession(
  store: Store,
  workspaceId: string,
  ownerId: string,
  title: string,
  events: readonly AgentEvent[],
): Promise<string> {
  const id = newId();
  const now = iso(new Date());
  await store.db
    .insertInto('agent_sessions')
    .values({
      id,
      workspace_id: workspaceId,
      agent: 'claude-code',
      model: 'hangar-demo',
      status: 'stopped',
      title,
      permission_mode: 'ask',
      agent_session_id: null,
      error: null,
      created_by: ownerId,
      created_at: now,
      updated_at: now,
      last_event_at: now,
    })
    .execute();
  const log = new EventLog(store.db, systemClock);
  // Appends made in one turn of the event loop are written by one multi-row INSERT each 500.
  await Promise.all(events.map((event) => log.append(id, event)));
  return id;
}

/**
 * A long agent session of exactly `count` events: turns of a user message, a
 * streamed Markdown reply, a tool call with its result, a permission request
 * and its answer. About one transcript row for every three events.
 */
export function longSession(count: number, ownerId: string): AgentEvent[] {
  const events: AgentEvent[] = [];
  const threadId = randomUUID();
  for (let turn = 1; events.length < count; turn++) {
    const runId = `run-${turn}`;
    const text = `text-${turn}`;
    const tool = `tool-${turn}`;
    const request = `request-${turn}`;
    events.push(
      {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.userMessage,
        value: {
          messageId: `user-${turn}`,
          text: `Step ${turn}: look at file ${turn}.ts`,
          authorId: ownerId,
        },
      },
      { type: EventType.RUN_STARTED, threadId, runId },
      { type: EventType.TEXT_MESSAGE_START, messageId: text, role: 'assistant' },
      ...[
        'Reading ',
        `**file ${turn}.ts**`,
        ' and its tests.\n\n',
        '- one\n- two\n',
        '```ts\nconst x = 1;\n```',
      ].map((delta) => ({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: text, delta }) as const),
      { type: EventType.TEXT_MESSAGE_END, messageId: text },
      { type: EventType.TOOL_CALL_START, toolCallId: tool, toolCallName: 'Bash' },
      { type: EventType.TOOL_CALL_ARGS, toolCallId: tool, delta: `{"command":"cat file${turn}.ts"}` },
      { type: EventType.TOOL_CALL_END, toolCallId: tool },
      {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.permissionRequest,
        value: {
          requestId: request,
          toolCallId: tool,
          toolName: 'Bash',
          input: { command: `cat file${turn}.ts` },
        },
      },
      {
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.permissionAnswer,
        value: { requestId: request, decision: 'allow', answeredBy: ownerId },
      },
      {
        type: EventType.TOOL_CALL_RESULT,
        messageId: `result-${turn}`,
        toolCallId: tool,
        content: Array.from(
          { length: 1 + (turn % 12) },
          (_, line) => `line ${line + 1} of file${turn}.ts`,
        ).join('\n'),
        role: 'tool',
      },
      { type: EventType.RUN_FINISHED, threadId, runId },
    );
  }
  return events.slice(0, count);
}
