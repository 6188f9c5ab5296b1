import type { Migration, MigrationProvider } from 'kysely';
import * as accounts from './0001-accounts.js';
import * as workspaces from './0002-workspaces.js';
import * as terminals from './0003-terminals.js';
import * as llm from './0004-llm.js';
import * as sessions from './0005-sessions.js';
import * as gitCredentials from './0006-git-credentials.js';
import * as team from './0007-team.js';
import * as actingPerson from './0008-acting-person.js';
import * as cluster from './0009-cluster.js';
import * as presence from './0010-presence.js';

/** Every migration, in order. Names never change once released. */
const migrations: Record<string, Migration> = {
  '0001-accounts': accounts,
  '0002-workspaces': workspaces,
  '0003-terminals': terminals,
  '0004-llm': llm,
  '0005-sessions': sessions,
  '0006-git-credentials': gitCredentials,
  '0007-team': team,
  '0008-acting-person': actingPerson,
  '0009-cluster': cluster,
  '0010-presence': presence,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
