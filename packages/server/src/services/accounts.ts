import type { Kysely, Selectable } from 'kysely';
import { errors } from '../errors.js';
import { isUniqueViolation } from '../store/database.js';
import type { Database, UsersTable } from '../store/schema.js';
import { iso, type Clock } from '../common/clock.js';
import { hashPassword, newId } from '../common/crypto.js';

export type UserRow = Selectable<UsersTable>;

export interface NewUser {
  username: string;
  /** Null only for the built-in user of HANGAR_AUTH=none, which cannot log in. */
  password: string | null;
  displayName?: string | undefined;
  email?: string | null | undefined;
  role: 'admin' | 'member';
}

export interface UserPatch {
  displayName?: string | undefined;
  email?: string | null | undefined;
  role?: 'admin' | 'member' | undefined;
  disabled?: boolean | undefined;
}

/** Users: creation, lookup, changes, and the rule that an active admin always remains. */
export class AccountService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  async count(): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async create(input: NewUser): Promise<UserRow> {
    const now = iso(this.clock.now());
    const row: UserRow = {
      id: newId(),
      username: input.username,
      display_name: input.displayName ?? input.username,
      email: input.email ?? null,
      role: input.role,
      password_hash: input.password === null ? null : await hashPassword(input.password),
      created_at: now,
      updated_at: now,
      disabled_at: null,
      locked_at: null,
      login_cleared_at: null,
    };
    try {
      await this.db.insertInto('users').values(row).execute();
    } catch (error) {
      if (isUniqueViolation(error))
        throw errors.conflict(`The username "${input.username}" is taken: choose another.`);
      throw error;
    }
    return row;
  }

  async get(id: string): Promise<UserRow> {
    const row = await this.find(id);
    if (!row) throw errors.notFound('The user');
    return row;
  }

  find(id: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', username.toLowerCase())
      .executeTakeFirst();
  }

  list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async update(id: string, patch: UserPatch): Promise<UserRow> {
    const user = await this.get(id);
    const losesAdmin =
      user.role === 'admin' && !user.disabled_at && (patch.role === 'member' || patch.disabled === true);
    if (losesAdmin) await this.assertAnotherActiveAdmin(id);
    const now = iso(this.clock.now());
    await this.db
      .updateTable('users')
      .set({
        updated_at: now,
        ...(patch.displayName !== undefined && { display_name: patch.displayName }),
        ...(patch.email !== undefined && { email: patch.email }),
        ...(patch.role !== undefined && { role: patch.role }),
        ...(patch.disabled !== undefined && {
          disabled_at: patch.disabled ? (user.disabled_at ?? now) : null,
        }),
      })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async remove(id: string): Promise<void> {
    const user = await this.get(id);
    if (user.role === 'admin' && !user.disabled_at) await this.assertAnotherActiveAdmin(id);
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }

  async setPassword(id: string, password: string): Promise<void> {
    const hash = await hashPassword(password);
    await this.db
      .updateTable('users')
      .set({ password_hash: hash, updated_at: iso(this.clock.now()) })
      .where('id', '=', id)
      .execute();
  }

  /** Locks the account for a while after failed logins (how long: throttle.ts lockMs). */
  async lock(id: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ locked_at: iso(this.clock.now()) })
      .where('id', '=', id)
      .execute();
  }

  /** Marks a lock that has lifted by itself as gone (earlier failures still count). */
  async clearLock(id: string): Promise<void> {
    await this.db.updateTable('users').set({ locked_at: null }).where('id', '=', id).execute();
  }

  /** Clears a lock-out: earlier failed attempts stop counting. */
  async unlock(id: string): Promise<UserRow> {
    await this.get(id);
    const now = iso(this.clock.now());
    await this.db
      .updateTable('users')
      .set({ locked_at: null, login_cleared_at: now })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Whether this user is the only active admin (who must never be locked out). */
  async isLastActiveAdmin(id: string): Promise<boolean> {
    const user = await this.find(id);
    if (user?.role !== 'admin' || user.disabled_at) return false;
    return !(await this.anotherActiveAdmin(id));
  }

  private async assertAnotherActiveAdmin(exceptId: string): Promise<void> {
    if (!(await this.anotherActiveAdmin(exceptId))) throw errors.lastAdmin();
  }

  private async anotherActiveAdmin(exceptId: string): Promise<boolean> {
    const other = await this.db
      .selectFrom('users')
      .select('id')
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .where('id', '!=', exceptId)
      .executeTakeFirst();
    return other !== undefined;
  }
}
