import type { Kysely } from 'kysely';

// Costs charged to the person who acted (issue 17): each session remembers who started it or sent
// the message it works on, and the LLM calls of a session are found by their session.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('agent_sessions')
    .addColumn('acting_user_id', 'text', (c) => c.references('users.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('llm_calls_session').on('llm_calls').column('session_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('llm_calls_session').execute();
  await db.schema.alterTable('agent_sessions').dropColumn('acting_user_id').execute();
}
