import type { Kysely } from 'kysely';

// Several replicas on one PostgreSQL database (issue 19).
export async function up(db: Kysely<unknown>): Promise<void> {
  // A lease per singleton (the leader of the periodic work): held by one replica until it expires.
  await db.schema
    .createTable('cluster_leases')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    // Milliseconds since the epoch by the database's clock, so replicas' clocks never compare.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .execute();
  // Facts every replica checks at start, e.g. a check value of the shared secret key.
  await db.schema
    .createTable('cluster_facts')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('cluster_facts').execute();
  await db.schema.dropTable('cluster_leases').execute();
}
