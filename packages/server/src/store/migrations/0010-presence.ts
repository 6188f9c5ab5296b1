import type { Kysely } from 'kysely';

// Presence in the database, so that every replica sees the tabs open on the others (issue 19).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('presence_tabs')
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id').onDelete('cascade'))
    .addColumn('tab_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('panel', 'text')
    // Milliseconds since the epoch (the server's clock): the last heartbeat, and when the tab joined.
    .addColumn('beat_at', 'bigint', (c) => c.notNull())
    .addColumn('joined_at', 'bigint', (c) => c.notNull())
    // Orders a person's tabs by their last change of panel: the latest one's panel is theirs.
    .addColumn('active_order', 'bigint', (c) => c.notNull())
    // The stream holding the tab (a new one per connection): its replica closes it once this changes.
    .addColumn('conn', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('presence_tabs_pk', ['workspace_id', 'tab_id'])
    .execute();
  await db.schema.createIndex('presence_tabs_beat').on('presence_tabs').column('beat_at').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('presence_tabs').execute();
}
