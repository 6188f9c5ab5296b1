import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type pg from 'pg';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * The SQLite connection itself, for a hot path that wants a prepared statement kept across
   * calls (Kysely prepares every query anew). Only outside a transaction: check `inTransaction`.
   */
  readonly sqlite: SQLite.Database | undefined;
  /** Applies pending migrations; safe to call on every boot. */
  migrate(): Promise<void>;
  /** True when the database answers and every migration is applied. */
  isReady(): Promise<boolean>;
  close(): Promise<void>;
}

/** `sqlite:/path/to/file.db`, `sqlite::memory:` or `postgres://…`. */
export function openStore(url: string): Store {
  const dialect: Dialect = url.startsWith('sqlite:') ? 'sqlite' : 'postgres';
  const sqlite = dialect === 'sqlite' ? openSqlite(url) : undefined;
  const db = new Kysely<Database>({
    dialect: sqlite ? new SqliteDialect({ database: sqlite }) : postgresDialect(url),
  });
  const migrator = new Migrator({ db, provider: migrationProvider });
  let migrated = false;
  return {
    db,
    dialect,
    sqlite,
    async migrate() {
      const { error, results } = await migrator.migrateToLatest();
      const failed = results?.find((r) => r.status === 'Error');
      if (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${reason}`, {
          cause: error,
        });
      }
      migrated = true;
    },
    async isReady() {
      try {
        await sql`select 1`.execute(db);
        if (!migrated) {
          const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt);
          migrated = pending.length === 0;
        }
        return migrated;
      } catch {
        return false;
      }
    },
    close: () => db.destroy(),
  };
}

function openSqlite(url: string): SQLite.Database {
  const path = url.slice('sqlite:'.length);
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const database = new SQLite(path);
  // WAL lets readers run beside the one writer; busy_timeout (ms) waits out a
  // concurrent writer instead of failing with SQLITE_BUSY.
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  database.pragma('synchronous = NORMAL');
  return database;
}

function postgresDialect(url: string): PostgresDialect {
  // The driver is loaded with the first query: a SQLite server never loads it.
  const pool = async (): Promise<pg.Pool> => {
    const { default: driver } = await import('pg');
    const created = new driver.Pool({ connectionString: url, max: 10 });
    // An idle connection the server ends (a restart, an administrator) is dropped from the pool and
    // replaced on the next query; without a listener its 'error' event would end the whole process.
    created.on('error', (error) => {
      console.warn(
        `PostgreSQL closed an idle connection (${error.message}); the next query opens a new one.`,
      );
    });
    return created;
  };
  return new PostgresDialect({ pool });
}

/** A unique or primary-key constraint was violated (both dialects). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('code' in error)) return false;
  const code = (error as { code: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
