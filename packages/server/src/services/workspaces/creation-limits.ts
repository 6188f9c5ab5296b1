import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import { errors } from '../../errors.js';
import type { Database } from '../../store/schema.js';
import type { Clock } from '../../common/clock.js';
import { KeyedLock } from '../../common/keyed-lock.js';

const MINUTE_MS = 60_000;

/**
 * How many workspaces one user may have, and how fast they may create them,
 * so a member (or a script with their token) cannot fill the host with
 * sandboxes. Counts the workspaces a user created that are not archived
 * (or being deleted): archived ones hold no sandbox.
 */
export class WorkspaceCreationLimits {
  /** Check and insert of one user run one at a time, so a burst of requests cannot slip past the cap. */
  private readonly lock = new KeyedLock();
  /** Times (ms) of each user's creations within the last minute. */
  private readonly created = new Map<string, number[]>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Pick<Config, 'workspacesPerUser' | 'workspaceCreationsPerMinute'>,
    private readonly clock: Clock,
  ) {}

  /** Runs `insert` (a new workspace of `userId`) when the user is within both limits; throws otherwise. */
  admitCreate<T>(userId: string, insert: () => Promise<T>): Promise<T> {
    return this.lock.run(userId, async () => {
      await this.checkCount(userId);
      this.checkPace(userId);
      const inserted = await insert();
      // Counted once made (a refused name uses none of the pace); checkPace set the list when pacing is on.
      this.created.get(userId)?.push(this.clock.now().getTime());
      return inserted;
    });
  }

  /** Throws when `userId` already has as many workspaces as the cap allows (before a restore, say). */
  async checkCount(userId: string): Promise<void> {
    const limit = this.config.workspacesPerUser;
    if (limit === 0) return;
    const row = await this.db
      .selectFrom('workspaces')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('created_by', '=', userId)
      .where('state', 'not in', ['archived', 'deleting'])
      .executeTakeFirstOrThrow();
    if (Number(row.n) >= limit) throw errors.workspaceLimit(limit);
  }

  /**
   * Remembers the user's creations of the last minute in memory (a restart
   * forgets them), so creating and deleting in a loop is paced too.
   */
  private checkPace(userId: string): void {
    const limit = this.config.workspaceCreationsPerMinute;
    if (limit === 0) return;
    const now = this.clock.now().getTime();
    const recent = (this.created.get(userId) ?? []).filter((at) => at > now - MINUTE_MS);
    if (recent.length >= limit) {
      // The oldest creation of the window leaves it first.
      throw errors.workspaceCreationThrottled(
        limit,
        Math.max(1, Math.ceil((recent[0]! + MINUTE_MS - now) / 1000)),
      );
    }
    this.created.set(userId, recent);
  }
}
