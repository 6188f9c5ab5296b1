import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect } from '../store/database.js';

/** The PostgreSQL server the store tests use; its database is only used to create throwaway ones. */
const POSTGRES_ADMIN_URL = process.env.HANGAR_TEST_POSTGRES_URL ?? 'postgres://root@127.0.0.1:5432/test';

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

export interface DialectCase {
  dialect: Dialect;
  /** Why this dialect cannot run here, or undefined when it can. */
  skipReason: string | undefined;
  create(): Promise<TestDatabase>;
}

let postgresProbe: Promise<string | undefined> | undefined;

/** Resolves to undefined when PostgreSQL answers, else to the reason it does not. */
export function probePostgres(): Promise<string | undefined> {
  postgresProbe ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return undefined;
    } catch (error) {
      return `PostgreSQL at ${POSTGRES_ADMIN_URL} is unreachable (${(error as Error).message}); run scripts/setup-test-env.sh`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return postgresProbe;
}

async function createSqlite(): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-sqlite-'));
  return {
    url: `sqlite:${join(dir, 'hangar.db')}`,
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

async function createPostgres(): Promise<TestDatabase> {
  const name = `hangar_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/**
 * Every store dialect the suites run against. PostgreSQL is required under
 * CI=true: a missing server fails the run instead of skipping.
 */
export async function dialectCases(): Promise<DialectCase[]> {
  const postgresMissing = await probePostgres();
  if (postgresMissing && process.env.CI === 'true')
    throw new Error(`CI requires PostgreSQL: ${postgresMissing}`);
  return [
    { dialect: 'sqlite', skipReason: undefined, create: createSqlite },
    { dialect: 'postgres', skipReason: postgresMissing, create: createPostgres },
  ];
}
