import { errors } from '../errors.js';
import type { AccountService, UserRow } from './accounts.js';
import { newSecret, safeEqual, verifyPassword } from './crypto.js';
import { KeyedLock } from './keyed-lock.js';
import type { SessionMeta, SessionService } from './sessions.js';
import { ACCOUNT_LOCK_AFTER, type LoginThrottle } from './throttle.js';

export const LOCAL_USERNAME = 'local';

/** Who is making a request, and how they proved it. */
export interface Principal {
  user: UserRow;
  via: 'cookie' | 'token' | 'none';
  sessionId?: string;
  tokenId?: string;
}

/** First-run setup, login with throttling, password changes. */
export class AuthService {
  private setupToken: string | undefined;
  private readonly lock = new KeyedLock();

  constructor(
    private readonly accounts: AccountService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
  ) {}

  /** When no user exists, a fresh one-time setup token; otherwise undefined. */
  async prepareSetup(): Promise<string | undefined> {
    if ((await this.accounts.count()) > 0) return undefined;
    this.setupToken ??= newSecret('setup');
    return this.setupToken;
  }

  async setupRequired(): Promise<boolean> {
    return (await this.accounts.count()) === 0;
  }

  completeSetup(
    input: { setupToken: string; username: string; password: string; displayName?: string | undefined },
    meta: SessionMeta,
  ) {
    return this.lock.run('setup', async () => {
      if (!(await this.setupRequired())) throw errors.setupDone();
      if (!this.setupToken || !safeEqual(input.setupToken, this.setupToken)) throw errors.invalidSetupToken();
      const user = await this.accounts.create({ ...input, role: 'admin' });
      this.setupToken = undefined;
      const { secret } = await this.sessions.create(user.id, meta);
      return { user, secret };
    });
  }

  /** Checks a password under throttling; every attempt is recorded. */
  login(usernameTyped: string, password: string, meta: SessionMeta) {
    const username = usernameTyped.trim().toLowerCase();
    // One attempt per account at a time, so parallel guesses cannot slip past the throttle.
    return this.lock.run(`login:${username}`, async () => {
      const user = await this.accounts.findByUsername(username);
      const userId = user?.id ?? null;
      if (user?.locked_at) {
        await this.throttle.record(username, meta.address, 'locked', userId);
        throw errors.accountLocked();
      }
      const before = await this.throttle.state(username, meta.address, user);
      if (before.retryAfter > 0) {
        await this.throttle.record(username, meta.address, 'throttled', userId);
        throw errors.loginThrottled(before.retryAfter);
      }
      if (!(await verifyPassword(user?.password_hash ?? null, password)) || !user) {
        await this.throttle.record(username, meta.address, 'bad_credentials', userId);
        const after = await this.throttle.state(username, meta.address, user);
        if (user && after.accountFailures >= ACCOUNT_LOCK_AFTER) {
          await this.accounts.lock(user.id);
          throw errors.accountLocked();
        }
        if (after.retryAfter > 0) throw errors.loginThrottled(after.retryAfter);
        throw errors.invalidCredentials();
      }
      if (user.disabled_at) {
        await this.throttle.record(username, meta.address, 'disabled', userId);
        throw errors.accountDisabled();
      }
      await this.throttle.record(username, meta.address, 'success', userId);
      const { secret } = await this.sessions.create(user.id, meta);
      return { user, secret };
    });
  }

  /** Changing the password ends every other session of the user at once. */
  async changePassword(principal: Principal, currentPassword: string, newPassword: string): Promise<void> {
    if (principal.via === 'none') throw errors.authDisabled();
    if (!(await verifyPassword(principal.user.password_hash, currentPassword))) throw errors.wrongPassword();
    await this.accounts.setPassword(principal.user.id, newPassword);
    await this.sessions.revokeAllOf(principal.user.id, principal.sessionId);
  }

  /** The built-in admin that every request acts as under HANGAR_AUTH=none. */
  async localUser(): Promise<UserRow> {
    return this.lock.run('local-user', async () => {
      const existing = await this.accounts.findByUsername(LOCAL_USERNAME);
      if (existing) return existing;
      return this.accounts.create({
        username: LOCAL_USERNAME,
        password: null,
        displayName: 'Local user',
        role: 'admin',
      });
    });
  }
}
