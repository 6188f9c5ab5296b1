import type { Store } from '../store/database.js';
import { AccountService } from './accounts.js';
import { AuthService } from './auth.js';
import { systemClock, type Clock } from './clock.js';
import { GroupService } from './groups.js';
import { InvitationService } from './invitations.js';
import { SessionService } from './sessions.js';
import { LoginThrottle } from './throttle.js';
import { TokenService } from './tokens.js';

export type { Principal } from './auth.js';

/** Every service, wired to one store. Passed explicitly; there is no global registry. */
export interface Services {
  accounts: AccountService;
  sessions: SessionService;
  tokens: TokenService;
  throttle: LoginThrottle;
  auth: AuthService;
  groups: GroupService;
  invitations: InvitationService;
}

export function createServices(store: Store, clock: Clock = systemClock): Services {
  const { db } = store;
  const accounts = new AccountService(db, clock);
  const sessions = new SessionService(db, clock);
  const throttle = new LoginThrottle(db, clock);
  return {
    accounts,
    sessions,
    tokens: new TokenService(db, clock),
    throttle,
    auth: new AuthService(accounts, sessions, throttle),
    groups: new GroupService(db, clock),
    invitations: new InvitationService(db, accounts, clock),
  };
}
