import type { Insertable, Kysely } from 'kysely';
import type { AgentSessionsTable, Database } from '../store/schema.js';

/**
 * Inserts an idle agent session row straight into the store, for tests that
 * need a session to hang events on without starting an agent.
 */
export async function insertSessionRow(
  db: Kysely<Database>,
  row: Pick<Insertable<AgentSessionsTable>, 'id' | 'workspace_id'> & Partial<Insertable<AgentSessionsTable>>,
): Promise<void> {
  const now = new Date().toISOString();
  await db
    .insertInto('agent_sessions')
    .values({
      agent: 'pi',
      model: 'm',
      status: 'idle',
      title: '',
      permission_mode: 'ask',
      agent_session_id: null,
      error: null,
      created_by: null,
      created_at: now,
      updated_at: now,
      last_event_at: now,
      ...row,
    })
    .execute();
}
