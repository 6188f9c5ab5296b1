import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { dialectCases, type TestDatabase } from '../test/databases.js';
import { openStore } from './database.js';

const postgres = (await dialectCases()).find((c) => c.dialect === 'postgres');

describe('PostgreSQL connection pool', () => {
  let database: TestDatabase | undefined;
  afterAll(() => database?.drop());

  it.skipIf(postgres?.skipReason)(
    'survives the server ending its idle connections, and the next query works',
    async () => {
      database = await postgres!.create();
      const store = openStore(database.url);
      try {
        const before = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
        const pid = before.rows[0]!.pid;
        const admin = new pg.Client({ connectionString: database.url });
        await admin.connect();
        try {
          await admin.query('select pg_terminate_backend($1)', [pid]);
        } finally {
          await admin.end();
        }
        // The idle client's error arrives asynchronously; an unhandled one would fail this run.
        await new Promise((resolve) => setTimeout(resolve, 200));
        const after = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(store.db);
        expect(after.rows[0]!.pid).not.toBe(pid);
      } finally {
        await store.close();
      }
    },
  );
});
