import type { Kysely } from 'kysely';
import type { AgentCatalog } from '../../agents/catalog.js';
import type { Config } from '../../config/index.js';
import type { Database } from '../../store/schema.js';
import type { Clock } from '../../common/clock.js';
import { LocalPubSub, type PubSub } from '../../events/pubsub.js';
import { NotificationService } from '../notifications/notification-service.js';
import { BudgetWatcher, notifyOnTeamEvents, type BudgetReader } from '../notifications/triggers.js';
import { PresenceService } from '../presence/presence-service.js';
import type { ServerSecrets } from '../../common/secrets.js';
import type { SessionService } from '../sessions/session-service.js';
import { deliverTeamEvents } from '../webhooks/triggers.js';
import { WebhookService } from '../webhooks/webhook-service.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import { ChatAgentBridge } from './agent-bridge.js';
import { ChatService } from './chat-service.js';
import { SessionWatcher } from './session-watcher.js';

/** People working together in workspaces: chat, presence, notifications, webhooks. */
export interface TeamServices {
  chat: ChatService;
  presence: PresenceService;
  notifications: NotificationService;
  webhooks: WebhookService;
  budgets: BudgetWatcher;
  /** Waits until the session events seen so far have reached chat, notifications and webhooks. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export interface TeamDependencies {
  db: Kysely<Database>;
  config: Pick<Config, 'budgetUserMonthlyUsd' | 'budgetWorkspaceMonthlyUsd'>;
  clock: Clock;
  secrets: ServerSecrets;
  workspaces: WorkspaceService;
  agentSessions: SessionService;
  agents: AgentCatalog;
  meter: BudgetReader;
  /** Live fan-out across replicas (in process when not given). */
  pubsub?: PubSub;
}

export function createTeamServices(deps: TeamDependencies): TeamServices {
  const { db, clock } = deps;
  const pubsub = deps.pubsub ?? new LocalPubSub();
  // Work done after a response was sent (a webhook, a system message) has no request to fail: warn.
  const onError = (error: unknown) =>
    process.emitWarning(`team services: ${error instanceof Error ? error.message : String(error)}`);
  const watcher = new SessionWatcher(db, deps.agentSessions.events, onError);
  const chat = new ChatService(db, deps.workspaces, clock, pubsub);
  const bridge = new ChatAgentBridge(
    chat,
    deps.agentSessions,
    deps.agents,
    deps.agentSessions.events,
    watcher,
  );
  const notifications = new NotificationService(db, clock, pubsub);
  const webhooks = new WebhookService(db, deps.secrets, deps.workspaces, clock, onError);
  const stopNotify = notifyOnTeamEvents(db, notifications, chat, watcher);
  const stopDeliver = deliverTeamEvents(webhooks, chat, watcher, onError);
  const budgets = new BudgetWatcher(db, deps.meter, deps.config, notifications, clock);
  const presence = new PresenceService(db, clock, pubsub);
  void webhooks.resumePending().catch(onError);
  return {
    chat,
    presence,
    notifications,
    webhooks,
    budgets,
    settle: () => watcher.settle(),
    async close() {
      stopNotify();
      stopDeliver();
      bridge.close();
      presence.close();
      budgets.close();
      await watcher.close();
      await webhooks.close();
    },
  };
}
