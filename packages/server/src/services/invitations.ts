import type { Kysely, Selectable } from 'kysely';
import { errors } from '../errors.js';
import type { Database, InvitationsTable } from '../store/schema.js';
import type { AccountService, UserRow } from './accounts.js';
import { addMs, iso, type Clock } from '../common/clock.js';
import { hashSecret, newId, newSecret } from '../common/crypto.js';
import { KeyedLock } from '../common/keyed-lock.js';

export type InvitationRow = Selectable<InvitationsTable>;

/** Single-use, expiring links that create an account. */
export class InvitationService {
  private readonly lock = new KeyedLock();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly accounts: AccountService,
    private readonly clock: Clock,
  ) {}

  list(): Promise<InvitationRow[]> {
    return this.db.selectFrom('invitations').selectAll().orderBy('created_at', 'desc').execute();
  }

  async create(
    createdBy: string,
    input: { email?: string | undefined; role: 'admin' | 'member'; expiresInHours: number },
  ) {
    const token = newSecret('inv');
    const now = this.clock.now();
    const row: InvitationRow = {
      id: newId(),
      token_hash: hashSecret(token),
      email: input.email ?? null,
      role: input.role,
      created_by: createdBy,
      created_at: iso(now),
      expires_at: iso(addMs(now, input.expiresInHours * 3600_000)),
      used_at: null,
      used_by: null,
      revoked_at: null,
    };
    await this.db.insertInto('invitations').values(row).execute();
    return { row, token };
  }

  async revoke(id: string): Promise<void> {
    const result = await this.db
      .updateTable('invitations')
      .set({ revoked_at: iso(this.clock.now()) })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .where('used_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound('An open invitation with this id');
  }

  /** The invitation behind a token if it can still be used. */
  async open(token: string): Promise<InvitationRow> {
    const row = await this.db
      .selectFrom('invitations')
      .selectAll()
      .where('token_hash', '=', hashSecret(token))
      .executeTakeFirst();
    if (!row || row.used_at || row.revoked_at || row.expires_at <= iso(this.clock.now()))
      throw errors.invitationInvalid();
    return row;
  }

  accept(
    token: string,
    input: { username: string; password: string; displayName?: string | undefined },
  ): Promise<UserRow> {
    // Serialised per token: two people racing on one link get one account.
    return this.lock.run(hashSecret(token), async () => {
      const invitation = await this.open(token);
      const user = await this.accounts.create({ ...input, email: invitation.email, role: invitation.role });
      const result = await this.db
        .updateTable('invitations')
        .set({ used_at: iso(this.clock.now()), used_by: user.id })
        .where('id', '=', invitation.id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) {
        await this.accounts.remove(user.id);
        throw errors.invitationInvalid();
      }
      return user;
    });
  }
}
