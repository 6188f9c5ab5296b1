import type { Kysely, Selectable } from 'kysely';
import { errors } from '../errors.js';
import type { ApiTokensTable, Database } from '../store/schema.js';
import type { UserRow } from './accounts.js';
import { addMs, iso, type Clock } from '../common/clock.js';
import { hashSecret, newId, newSecret } from '../common/crypto.js';

export type TokenRow = Selectable<ApiTokensTable>;

const TOUCH_EVERY_MS = 60_000;

/** Named API tokens: the secret is shown once, only its hash is kept. */
export class TokenService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  list(userId: string): Promise<TokenRow[]> {
    return this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .orderBy('created_at', 'desc')
      .execute();
  }

  async create(userId: string, input: { name: string; expiresInDays?: number | undefined }) {
    const secret = newSecret('hgr');
    const now = this.clock.now();
    const row: TokenRow = {
      id: newId(),
      user_id: userId,
      name: input.name,
      prefix: secret.slice(0, 12),
      secret_hash: hashSecret(secret),
      created_at: iso(now),
      expires_at: input.expiresInDays ? iso(addMs(now, input.expiresInDays * 86_400_000)) : null,
      last_used_at: null,
      revoked_at: null,
    };
    await this.db.insertInto('api_tokens').values(row).execute();
    return { row, secret };
  }

  async revoke(userId: string, tokenId: string): Promise<void> {
    const result = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: iso(this.clock.now()) })
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw errors.notFound('The token');
  }

  /** Revokes every live token of the user at once (a password change that asks for it). */
  async revokeAllOf(userId: string): Promise<void> {
    await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: iso(this.clock.now()) })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async resolve(secret: string): Promise<{ token: TokenRow; user: UserRow } | undefined> {
    const token = await this.db
      .selectFrom('api_tokens')
      .selectAll()
      .where('secret_hash', '=', hashSecret(secret))
      .executeTakeFirst();
    const now = this.clock.now();
    if (!token || token.revoked_at || (token.expires_at && token.expires_at <= iso(now))) return undefined;
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', token.user_id)
      .executeTakeFirst();
    if (!user || user.disabled_at) return undefined;
    if (!token.last_used_at || now.getTime() - Date.parse(token.last_used_at) > TOUCH_EVERY_MS) {
      token.last_used_at = iso(now);
      await this.db
        .updateTable('api_tokens')
        .set({ last_used_at: token.last_used_at })
        .where('id', '=', token.id)
        .execute();
    }
    return { token, user };
  }
}
