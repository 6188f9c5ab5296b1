import type { Kysely } from 'kysely';
import type { Config } from '../../config/index.js';
import type { Database } from '../../store/schema.js';
import type { ChatService } from '../chat/chat-service.js';
import type { SessionSignal, SessionWatcher } from '../chat/session-watcher.js';
import { monthStart, type Clock } from '../../common/clock.js';
import type { NotificationService } from './notification-service.js';

/** Share of a monthly budget at which its people are told it is nearly spent. */
export const BUDGET_WARNING_SHARE = 0.8;

/** Plain text of a chat message for a notification's body: Markdown marks need not be exact. */
function excerpt(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 200);
}

/**
 * Mentions and session signals become notifications. An approval goes to everyone who may answer
 * it (the session's starter, the workspace's editors and owners) and is marked read for all of
 * them once answered, or once the run ends.
 */
export function notifyOnTeamEvents(
  db: Kysely<Database>,
  notifications: NotificationService,
  chat: ChatService,
  watcher: SessionWatcher,
): () => void {
  const stop = chat.onMention(({ message, workspace, userIds }) => {
    const who = message.author?.displayName ?? 'Someone';
    for (const userId of userIds) {
      void notifications
        .notify(userId, {
          kind: 'mention',
          title: `${who} mentioned you in ${workspace.name}`,
          body: excerpt(message.text),
          workspaceId: workspace.id,
          link: `/workspaces/${workspace.id}?chat=${message.id}`,
        })
        .catch(() => undefined);
    }
  });
  watcher.subscribe(async (signal) => {
    const { session, workspace } = signal;
    if (signal.kind === 'started') return;
    if (signal.kind === 'awaiting_approval') {
      for (const userId of await approvers(db, workspace.id, session.created_by))
        await notifications.notify(userId, sessionNotification(signal));
      return;
    }
    await notifications.resolve('approval', sessionLink(workspace.id, session.id));
    if (signal.kind === 'approval_answered' || !session.created_by) return;
    await notifications.notify(session.created_by, sessionNotification(signal));
  });
  return stop;
}

/** Who may answer a session's approvals: its starter and the workspace's editors and owners. */
async function approvers(db: Kysely<Database>, workspaceId: string, starter: string | null) {
  const members = await db
    .selectFrom('workspace_members')
    .select('user_id')
    .where('workspace_id', '=', workspaceId)
    .where('role', 'in', ['owner', 'editor'])
    .execute();
  return [...new Set([...(starter ? [starter] : []), ...members.map((member) => member.user_id)])];
}

function sessionLink(workspaceId: string, sessionId: string): string {
  return `/workspaces/${workspaceId}?session=${sessionId}`;
}

function sessionNotification(signal: SessionSignal) {
  const { session, workspace } = signal;
  const link = sessionLink(workspace.id, session.id);
  const base = { workspaceId: workspace.id, link };
  const name = `“${session.title}” in ${workspace.name}`;
  switch (signal.kind) {
    case 'awaiting_approval':
      return { ...base, kind: 'approval' as const, title: 'An agent awaits your approval', body: name };
    case 'failed':
      return {
        ...base,
        kind: 'failed' as const,
        title: 'An agent session failed',
        body: `${name}${signal.message ? `: ${signal.message}` : ''}`,
      };
    default:
      return { ...base, kind: 'finished' as const, title: 'An agent finished', body: name };
  }
}

/**
 * Looks at this month's spend against each budget every `intervalMs` and
 * tells the user (or a workspace's owners) once a month when it passes
 * BUDGET_WARNING_SHARE.
 */
/** What the budget watcher reads of the budgets (implemented by llm/budgets.ts). */
export interface BudgetReader {
  budgetOf(scope: 'user' | 'workspace', subjectId: string, fallback: number): Promise<number>;
  spent(column: 'user_id' | 'workspace_id', id: string, since: string): Promise<number>;
}

export class BudgetWatcher {
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly meter: BudgetReader,
    private readonly config: Pick<Config, 'budgetUserMonthlyUsd' | 'budgetWorkspaceMonthlyUsd'>,
    private readonly notifications: NotificationService,
    private readonly clock: Clock,
    intervalMs = 60_000,
  ) {
    this.timer = setInterval(() => void this.check().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  async check(): Promise<void> {
    const since = monthStart(this.clock.now());
    const month = since.slice(0, 7);
    const users = await this.db
      .selectFrom('llm_calls')
      .select('user_id')
      .distinct()
      .where('created_at', '>=', since)
      .where('user_id', 'is not', null)
      .execute();
    for (const { user_id: userId } of users) {
      if (!userId) continue;
      const limit = await this.meter.budgetOf('user', userId, this.config.budgetUserMonthlyUsd);
      const spent = await this.meter.spent('user_id', userId, since);
      if (limit <= 0 || spent < BUDGET_WARNING_SHARE * limit) continue;
      await this.notifications.notify(userId, {
        kind: 'budget',
        title: 'Your LLM budget is nearly spent',
        body: `$${spent.toFixed(2)} of $${limit.toFixed(2)} this month.`,
        workspaceId: null,
        link: '/usage',
        dedupeKey: `budget:user:${month}`,
      });
    }
    const workspaces = await this.db
      .selectFrom('llm_calls')
      .innerJoin('workspaces', 'workspaces.id', 'llm_calls.workspace_id')
      .select(['workspaces.id', 'workspaces.name'])
      .distinct()
      .where('llm_calls.created_at', '>=', since)
      .execute();
    for (const workspace of workspaces) {
      const limit = await this.meter.budgetOf(
        'workspace',
        workspace.id,
        this.config.budgetWorkspaceMonthlyUsd,
      );
      const spent = await this.meter.spent('workspace_id', workspace.id, since);
      if (limit <= 0 || spent < BUDGET_WARNING_SHARE * limit) continue;
      const owners = await this.db
        .selectFrom('workspace_members')
        .select('user_id')
        .where('workspace_id', '=', workspace.id)
        .where('role', '=', 'owner')
        .execute();
      for (const { user_id: userId } of owners) {
        await this.notifications.notify(userId, {
          kind: 'budget',
          title: `The LLM budget of ${workspace.name} is nearly spent`,
          body: `$${spent.toFixed(2)} of $${limit.toFixed(2)} this month.`,
          workspaceId: workspace.id,
          link: `/workspaces/${workspace.id}`,
          dedupeKey: `budget:workspace:${workspace.id}:${month}`,
        });
      }
    }
  }
}
