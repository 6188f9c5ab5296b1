import { errors } from '../errors.js';
import type { AccountService, UserRow } from './accounts.js';
import { newSecret, safeEqual, verifyPassword } from '../common/crypto.js';
import { KeyedLock } from '../common/keyed-lock.js';
import type { SessionMeta, SessionService } from './sessions.js';
import { lockMs, type LoginThrottle } from './throttle.js';
import type { TokenService } from './tokens.js';

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
    private readonly tokens: TokenService,
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
      await this.checkThrottle(username, meta, user);
      if (!(await verifyPassword(user?.password_hash ?? null, password)) || !user) {
        throw (await this.failed(username, meta, user)) ?? errors.invalidCredentials();
      }
      if (user.disabled_at) {
        await this.throttle.record(username, meta.address, 'disabled', userId);
        throw errors.accountDisabled();
      }
      await this.throttle.record(username, meta.address, 'success', userId);
      if (user.locked_at) await this.accounts.clearLock(user.id);
      const { secret } = await this.sessions.create(user.id, meta);
      return { user, secret };
    });
  }

  /**
   * Changing the password ends every other session of the user at once, and with
   * `revokeTokens` every API token too. The current password is checked under the
   * login throttle (it is the same secret to guess), and only in a session signed in
   * with the password: a stolen API token cannot take the account over.
   */
  changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string; revokeTokens: boolean },
    meta: SessionMeta,
  ): Promise<void> {
    if (principal.via === 'none') throw errors.authDisabled();
    if (principal.via === 'token')
      throw errors.needsPassword('change the password', 'a stolen token must not take the account over');
    const { user } = principal;
    return this.lock.run(`login:${user.username}`, async () => {
      await this.checkThrottle(user.username, meta, user);
      if (!(await verifyPassword(user.password_hash, input.currentPassword))) {
        throw (await this.failed(user.username, meta, user)) ?? errors.wrongPassword();
      }
      await this.accounts.setPassword(user.id, input.newPassword);
      await this.sessions.revokeAllOf(user.id, principal.sessionId);
      if (input.revokeTokens) await this.tokens.revokeAllOf(user.id);
    });
  }

  /** Refuses an attempt while the account is locked or throttled (and records it). */
  private async checkThrottle(username: string, meta: SessionMeta, user: UserRow | undefined) {
    const state = await this.throttle.state(username, meta.address, user);
    if (state.lockedFor > 0) {
      await this.throttle.record(username, meta.address, 'locked', user?.id ?? null);
      throw errors.accountLocked(state.lockedFor);
    }
    if (state.retryAfter > 0) {
      await this.throttle.record(username, meta.address, 'throttled', user?.id ?? null);
      throw errors.loginThrottled(state.retryAfter);
    }
  }

  /**
   * Records a wrong password; returns the lock or throttle it earned, if any. The last
   * active admin is only throttled, never locked: nobody can lock every admin out.
   */
  private async failed(username: string, meta: SessionMeta, user: UserRow | undefined) {
    await this.throttle.record(username, meta.address, 'bad_credentials', user?.id ?? null);
    const after = await this.throttle.state(username, meta.address, user);
    const lockFor = lockMs(after.accountFailures);
    if (user && lockFor > 0 && !(await this.accounts.isLastActiveAdmin(user.id))) {
      await this.accounts.lock(user.id);
      return errors.accountLocked(lockFor / 1000);
    }
    if (after.retryAfter > 0) return errors.loginThrottled(after.retryAfter);
    return undefined;
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
