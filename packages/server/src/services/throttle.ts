import type { Kysely } from 'kysely';
import type { Database, LoginOutcome } from '../store/schema.js';
import type { UserRow } from './accounts.js';
import { iso, type Clock } from './clock.js';
import { newId } from './crypto.js';

/** Failed logins of one account before each further try must wait. */
export const ACCOUNT_DELAY_AFTER = 5;
/** Failed logins of one account before it is locked until an admin unlocks it. */
export const ACCOUNT_LOCK_AFTER = 20;
/** Failed logins from one address (any accounts) before it must wait. */
export const ADDRESS_DELAY_AFTER = 20;
const BASE_DELAY_S = 30; // the first wait; doubles with each further failure
const MAX_DELAY_S = 15 * 60;
const ACCOUNT_WINDOW_MS = 24 * 3600_000;
const ADDRESS_WINDOW_MS = 3600_000;

export interface ThrottleState {
  /** Seconds until the next attempt is allowed; 0 when allowed now. */
  retryAfter: number;
  accountFailures: number;
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
    return {
      retryAfter: Math.max(0, Math.ceil((retryAt - now.getTime()) / 1000)),
      accountFailures: account.count,
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

function delaySeconds(failures: number, threshold: number): number {
  if (failures < threshold) return 0;
  return Math.min(BASE_DELAY_S * 2 ** (failures - threshold), MAX_DELAY_S);
}
