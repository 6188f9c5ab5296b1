import type { Kysely } from 'kysely';
import type { Database, LoginAttemptsTable, LoginOutcome } from '../store/schema.js';
import type { UserRow } from './accounts.js';
import { iso, type Clock } from '../common/clock.js';
import { newId } from '../common/crypto.js';

/** Failed logins of one account before each further try must wait. */
export const ACCOUNT_DELAY_AFTER = 5;
/**
 * Failed logins of one account before it is locked for a while (LOCK_MS, growing with each
 * further failure); the lock lifts by itself, or an admin lifts it earlier. The last active
 * admin is never locked, only throttled, so nobody can lock every admin out.
 */
export const ACCOUNT_LOCK_AFTER = 20;
/** How long the first lock lasts, in ms; it doubles with each further failure, up to MAX_LOCK_MS. */
export const LOCK_MS = 15 * 60_000;
export const MAX_LOCK_MS = 60 * 60_000;
/** Failed logins from one address (any accounts) before it must wait. */
export const ADDRESS_DELAY_AFTER = 20;
const BASE_DELAY_S = 30; // the first wait; doubles with each further failure
/** The longest wait between two tries of one account or address, in ms. */
export const MAX_DELAY_MS = 15 * 60_000;
const ACCOUNT_WINDOW_MS = 24 * 3600_000;
const ADDRESS_WINDOW_MS = 3600_000;

export interface ThrottleState {
  /** Seconds until the next attempt is allowed; 0 when allowed now. */
  retryAfter: number;
  accountFailures: number;
  /** Seconds until the account's lock lifts by itself; 0 when it is not locked. */
  lockedFor: number;
}

/**
 * Login throttling derived from the attempt log alone: failures since the last
 * success (or admin unlock) within a window, per account and per address,
 * each earning a growing delay.
 */
export class LoginThrottle {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async record(
    username: string,
    address: string,
    outcome: LoginOutcome,
    userId: string | null,
  ): Promise<void> {
    await this.db
      .insertInto('login_attempts')
      .values({ id: newId(), username, user_id: userId, address, outcome, created_at: iso(this.clock.now()) })
      .execute();
  }

  /** Recent attempts, newest first, of one username (lower-cased) or of everyone. */
  async recent(options: { username?: string; limit: number }): Promise<LoginAttemptsTable[]> {
    let query = this.db
      .selectFrom('login_attempts')
      .selectAll()
      .orderBy('created_at', 'desc')
      .limit(options.limit);
    if (options.username) query = query.where('username', '=', options.username.toLowerCase());
    return query.execute();
  }

  async state(username: string, address: string, user: UserRow | undefined): Promise<ThrottleState> {
    const now = this.clock.now();
    const account = await this.failures(
      'username',
      username,
      now.getTime() - ACCOUNT_WINDOW_MS,
      user?.login_cleared_at,
    );
    const byAddress = await this.failures('address', address, now.getTime() - ADDRESS_WINDOW_MS, null);
    const retryAt = Math.max(
      account.last + delaySeconds(account.count, ACCOUNT_DELAY_AFTER) * 1000,
      byAddress.last + delaySeconds(byAddress.count, ADDRESS_DELAY_AFTER) * 1000,
    );
    // A lock lasts as long as the failures that earned it say (those during it are not counted).
    const lockedUntil = user?.locked_at ? Date.parse(user.locked_at) + lockMs(account.count) : 0;
    return {
      retryAfter: Math.max(0, Math.ceil((retryAt - now.getTime()) / 1000)),
      accountFailures: account.count,
      lockedFor: Math.max(0, Math.ceil((lockedUntil - now.getTime()) / 1000)),
    };
  }

  private async failures(
    column: 'username' | 'address',
    value: string,
    windowStart: number,
    clearedAt: string | null | undefined,
  ) {
    const lastSuccess = await this.db
      .selectFrom('login_attempts')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .where(column, '=', value)
      .where('outcome', '=', 'success')
      .executeTakeFirst();
    const since = [iso(new Date(windowStart)), lastSuccess?.at, clearedAt]
      .filter((v): v is string => typeof v === 'string')
      .sort()
      .at(-1)!;
    const row = await this.db
      .selectFrom('login_attempts')
      .select((eb) => [eb.fn.countAll<number | string>().as('n'), eb.fn.max('created_at').as('last')])
      .where(column, '=', value)
      .where('outcome', '=', 'bad_credentials')
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    return { count: Number(row.n), last: row.last ? Date.parse(row.last) : 0 };
  }
}

/** How long a lock earned by `failures` failures lasts, in ms (0 below the threshold). */
export function lockMs(failures: number): number {
  if (failures < ACCOUNT_LOCK_AFTER) return 0;
  return Math.min(LOCK_MS * 2 ** (failures - ACCOUNT_LOCK_AFTER), MAX_LOCK_MS);
}

function delaySeconds(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(BASE_DELAY_S * 2 ** (failures - threshold), MAX_DELAY_MS / 1000);
}
