import type { Kysely } from 'kysely';
import type { GitCredential } from '@hangar/protocol';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';
import type { ServerSecrets } from '../../common/secrets.js';
import type { Database } from '../../store/schema.js';
import { gitErrors } from './errors.js';

const PURPOSE = 'git-credential';

/** A token as handed to git or a forge API for one call. */
export interface RemoteCredential {
  host: string;
  username: string;
  token: string;
}

/**
 * Remote credentials of each user, one per host, sealed at rest under the
 * data dir's key. Only `forHost` opens one, for the call that needs it.
 */
export class GitCredentialStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: ServerSecrets,
    private readonly clock: Clock,
  ) {}

  async list(userId: string): Promise<GitCredential[]> {
    const rows = await this.db
      .selectFrom('git_credentials')
      .select(['id', 'host', 'username', 'label', 'created_at', 'last_used_at'])
      .where('user_id', '=', userId)
      .orderBy('host')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      username: r.username,
      label: r.label,
      createdAt: r.created_at,
      lastUsedAt: r.last_used_at,
    }));
  }

  /** Stores the token for the host, replacing the user's earlier one for it. */
  async set(
    userId: string,
    input: { host: string; username: string; token: string; label: string },
  ): Promise<GitCredential> {
    const sealed = this.secrets.seal(PURPOSE, input.token);
    const now = iso(this.clock.now());
    await this.db.transaction().execute(async (trx) => {
      await trx
        .deleteFrom('git_credentials')
        .where('user_id', '=', userId)
        .where('host', '=', input.host)
        .execute();
      await trx
        .insertInto('git_credentials')
        .values({
          id: newId(),
          user_id: userId,
          host: input.host,
          username: input.username,
          label: input.label,
          sealed,
          created_at: now,
          last_used_at: null,
        })
        .execute();
    });
    return (await this.list(userId)).find((c) => c.host === input.host)!;
  }

  async remove(userId: string, id: string): Promise<void> {
    const result = await this.db
      .deleteFrom('git_credentials')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw gitErrors.credentialNotFound();
  }

  async has(userId: string, host: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('git_credentials')
      .select('id')
      .where('user_id', '=', userId)
      .where('host', '=', host)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** The user's token for the host, opened for one call; undefined when there is none. */
  async forHost(userId: string, host: string): Promise<RemoteCredential | undefined> {
    const row = await this.db
      .selectFrom('git_credentials')
      .select(['id', 'username', 'sealed'])
      .where('user_id', '=', userId)
      .where('host', '=', host)
      .executeTakeFirst();
    if (!row) return undefined;
    await this.db
      .updateTable('git_credentials')
      .set({ last_used_at: iso(this.clock.now()) })
      .where('id', '=', row.id)
      .execute();
    return { host, username: row.username, token: this.secrets.open(PURPOSE, row.sealed) };
  }
}
