import type { AgentAdapter } from './agents/adapter.js';
import { AgentCatalog } from './agents/catalog.js';
import type { Config } from './config/index.js';
import { EventLog } from './events/event-log.js';
import { createPubSub, type PubSub } from './events/pubsub.js';
import { Budgets } from './llm/budgets.js';
import { ChargeResolver } from './llm/charge.js';
import { UsageMeter } from './llm/meter.js';
import { PriceTable } from './llm/pricing.js';
import { ProviderKeys } from './llm/provider-keys.js';
import { LlmProxy } from './llm/proxy.js';
import { SessionCalls, sessionUsageEvent } from './llm/session-usage.js';
import { UsageReports } from './llm/usage-report.js';
import type { SandboxDriver } from './sandbox/driver.js';
import type { Store } from './store/database.js';
import { AccountService } from './services/accounts.js';
import { AuthService } from './services/auth.js';
import { createTeamServices, type TeamServices } from './services/chat/team-services.js';
import { systemClock, type Clock } from './common/clock.js';
import { DiffService } from './services/diff/diff-service.js';
import { FileService } from './services/files/file-service.js';
import { GroupService } from './services/groups.js';
import { InvitationService } from './services/invitations.js';
import { SessionService } from './services/sessions.js';
import { LoginThrottle } from './services/throttle.js';
import { TerminalService } from './terminal/terminal-service.js';
import { SessionService as AgentSessionService } from './services/sessions/session-service.js';
import { TokenService } from './services/tokens.js';
import { HangarBridge } from './services/workspaces/bridge.js';
import { WorkspaceLifecycle } from './services/workspaces/lifecycle.js';
import { WorkspaceRepository } from './services/workspaces/repository.js';
import { WorkspaceTokens } from './services/workspaces/workspace-tokens.js';
import { ServerSecrets } from './common/secrets.js';
import { TemplateCatalog } from './services/workspaces/templates.js';
import { WorkspaceService } from './services/workspaces/workspace-service.js';
import { createGitOps, type GitOps } from './services/git-ops/index.js';
import { checkSharedKey } from './services/cluster/key-check.js';
import { createLeadership, type Leadership } from './services/cluster/leader.js';

export type { Principal } from './services/auth.js';

/** Every service, wired to one store. Passed explicitly; there is no global registry. */
export interface Services {
  accounts: AccountService;
  sessions: SessionService;
  tokens: TokenService;
  throttle: LoginThrottle;
  auth: AuthService;
  groups: GroupService;
  invitations: InvitationService;
  templates: TemplateCatalog;
  workspaces: WorkspaceService;
  bridge: HangarBridge;
  terminals: TerminalService;
  llm: { keys: ProviderKeys; meter: UsageMeter; budgets: Budgets; proxy: LlmProxy; reports: UsageReports };
  agents: AgentCatalog;
  agentSessions: AgentSessionService;
  diff: DiffService;
  git: GitOps;
  files: FileService;
  team: TeamServices;
  cluster: Cluster;
  /** Live fan-out to every replica's streams (in process on SQLite, LISTEN/NOTIFY on PostgreSQL). */
  pubsub: PubSub;
}

/** This replica among those sharing the database (issue 19). */
export interface Cluster {
  replicaId: string;
  /** Who runs the singletons (reconciler): a lease on PostgreSQL, always this replica on SQLite. */
  leadership: Leadership;
  /** Refuses a secret key other than the one the database was set up with (PostgreSQL). */
  checkSharedKey(): Promise<void>;
}

export interface ServiceOptions {
  config: Config;
  drivers: ReadonlyMap<string, SandboxDriver>;
  /** The port the server listens on (known after listen), for the sandbox bridge. */
  serverPort: () => number;
  clock?: Clock;
  /** Agent adapters by name (see agents/registry.ts). */
  agents?: ReadonlyMap<string, AgentAdapter>;
  /** Where provider keys named by `keyEnv` are read (the server's environment). */
  env?: Record<string, string | undefined>;
}

export function createServices(store: Store, options: ServiceOptions): Services {
  const { db } = store;
  const { config, drivers, clock = systemClock } = options;
  const accounts = new AccountService(db, clock);
  const sessions = new SessionService(db, clock);
  const throttle = new LoginThrottle(db, clock);
  const tokens = new TokenService(db, clock);
  const templates = new TemplateCatalog(config, drivers);
  const bridge = new HangarBridge(options.serverPort);
  const secrets = new ServerSecrets({ dataDir: config.dataDir, keyFile: config.secretKeyFile });
  const workspaceTokens = new WorkspaceTokens(secrets, new WorkspaceRepository(db));
  const lifecycle = new WorkspaceLifecycle(config, templates, bridge, workspaceTokens);
  const workspaces = new WorkspaceService(db, config, templates, lifecycle, accounts, clock);
  const diff = new DiffService(workspaces, config.dataDir);
  const keys = new ProviderKeys(db, secrets, config, options.env ?? {}, clock);
  const pubsub = createPubSub(
    { dialect: store.dialect, db, url: config.databaseUrl, origin: config.replicaId },
    (error) => process.emitWarning(`pub/sub: ${error instanceof Error ? error.message : String(error)}`),
  );
  const events = new EventLog(db, clock, store.sqlite, pubsub);
  const budgets = new Budgets(db, config, clock);
  // Each metered call of a session is one usage event of that session: its cost is what it was charged.
  const meter = new UsageMeter(db, new PriceTable(config.pricing), budgets, clock, async (row) => {
    const event = sessionUsageEvent(row);
    if (row.session_id && event) await events.append(row.session_id, event);
  });
  const sessionCalls = new SessionCalls();
  const adapters = options.agents ?? new Map<string, AgentAdapter>();
  const agents = new AgentCatalog(adapters, config);
  const services: Omit<Services, 'team' | 'cluster' | 'pubsub'> = {
    agents,
    agentSessions: new AgentSessionService(
      db,
      events,
      workspaces,
      adapters,
      agents,
      clock,
      config.sessionStalledSeconds * 1000,
      sessionCalls,
    ),
    llm: {
      keys,
      meter,
      budgets,
      proxy: new LlmProxy(
        config,
        keys,
        workspaceTokens,
        meter,
        budgets,
        new ChargeResolver(db),
        sessionCalls,
      ),
      reports: new UsageReports(db, clock),
    },
    templates,
    git: createGitOps(db, config, workspaces, secrets, clock),
    bridge,
    workspaces,
    diff,
    files: new FileService(workspaces, config),
    terminals: new TerminalService(db, workspaces, config, clock),
    accounts,
    sessions,
    tokens,
    throttle,
    auth: new AuthService(accounts, sessions, throttle, tokens),
    groups: new GroupService(db, clock),
    invitations: new InvitationService(db, accounts, clock),
  };
  services.agentSessions.turnObserver = diff.turns;
  const { agentSessions } = services;
  const team = createTeamServices({
    db,
    config,
    clock,
    secrets,
    workspaces,
    agentSessions,
    agents,
    meter: budgets,
    pubsub,
  });
  const cluster: Cluster = {
    replicaId: config.replicaId,
    leadership: createLeadership(db, store.dialect, config.replicaId, {
      onError: (error) =>
        process.emitWarning(`leader lease: ${error instanceof Error ? error.message : String(error)}`),
    }),
    checkSharedKey: async () => {
      if (store.dialect === 'postgres') await checkSharedKey(db, secrets);
    },
  };
  return { ...services, team, cluster, pubsub };
}
