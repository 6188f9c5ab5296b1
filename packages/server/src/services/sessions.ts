import type { Kysely, Selectable } from 'kysely';
import type { Database, SessionsTable } from '../store/schema.js';
import type { UserRow } from './accounts.js';
import { addMs, iso, type Clock } from '../common/clock.js';
import { hashSecret, newSecret } from '../common/crypto.js';

export type SessionRow = Selectable<SessionsTable>;

const IDLE_MS = 7 * 24 * 3600_000; // a session unused for a week ends
const ABSOLUTE_MS = 30 * 24 * 3600_000; // and none lives longer than 30 days
const TOUCH_EVERY_MS = 60_000; // write last_seen at most once a minute

export interface SessionMeta {
  address: string;
  userAgent: string;
}

/** Server-side browser sessions: the cookie holds a secret, the table its hash. */
export class SessionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async create(userId: string, meta: SessionMeta): Promise<{ secret: string; session: SessionRow }> {
    const secret = newSecret('hgs');
    const now = this.clock.now();
    const session: SessionRow = {
      id: hashSecret(secret),
      user_id: userId,
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(addMs(now, IDLE_MS)),
      address: meta.address,
      user_agent: meta.userAgent.slice(0, 300),
    };
    await this.db.insertInto('sessions').values(session).execute();
    return { secret, session };
  }

  /** The live session and its (enabled) user, or undefined. */
  async resolve(secret: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    const id = hashSecret(secret);
    const session = await this.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
    if (!session) return undefined;
    const now = this.clock.now();
    if (session.expires_at <= iso(now)) {
      await this.db.deleteFrom('sessions').where('id', '=', id).execute();
      return undefined;
    }
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', session.user_id)
      .executeTakeFirst();
    if (!user || user.disabled_at) return undefined;
    if (now.getTime() - Date.parse(session.last_seen_at) > TOUCH_EVERY_MS) {
      const idle = addMs(now, IDLE_MS).getTime();
      const absolute = Date.parse(session.created_at) + ABSOLUTE_MS;
      session.last_seen_at = iso(now);
      session.expires_at = iso(new Date(Math.min(idle, absolute)));
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: session.last_seen_at, expires_at: session.expires_at })
        .where('id', '=', id)
        .execute();
    }
    return { session, user };
  }

  async revoke(sessionId: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id', '=', sessionId).execute();
  }

  /** Ends every session of a user (password change, disable), optionally keeping one. */
  async revokeAllOf(userId: string, keepSessionId?: string): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (keepSessionId) query = query.where('id', '!=', keepSessionId);
    await query.execute();
  }
}
