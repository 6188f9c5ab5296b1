import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.js';
import { proxyErrors } from './proxy-errors.js';

/** Who a proxied call is charged to: its session (if any) and the person who acted. */
export interface Charge {
  sessionId: string | null;
  userId: string | null;
}

/** The header an agent sends with each model call (set in each adapter's launch config). */
export const SESSION_HEADER = 'x-hangar-session';

/**
 * Finds who pays for a call. Everything in a sandbox runs as one user and can read the
 * agent's environment and config files, so no secret handed to one process there stays
 * from the others: the boundary a call cannot cross is its workspace token. Hence:
 *
 * - the session is the one the `x-hangar-session` header names, and must belong to the
 *   token's workspace (else the call is refused): a sandbox cannot charge another
 *   workspace's session;
 * - the person is never named by the sandbox: it is the session's acting person, set by
 *   the server when a person starts the session or a message of theirs is delivered to the
 *   agent. A process in the sandbox can at most charge a session of its own workspace,
 *   and so a person who acted in it;
 * - a call without the header (someone running an agent CLI in a terminal of the
 *   workspace) is charged to the workspace's creator, who answers for what runs in it.
 */
export class ChargeResolver {
  constructor(private readonly db: Kysely<Database>) {}

  async resolve(
    workspace: { id: string; created_by: string | null },
    sessionHeader: string | string[] | undefined,
  ): Promise<Charge> {
    if (sessionHeader === undefined) return { sessionId: null, userId: workspace.created_by };
    const sessionId = Array.isArray(sessionHeader) ? undefined : sessionHeader.trim();
    if (!sessionId || sessionId.length > 64) throw proxyErrors.sessionRefused();
    const session = await this.db
      .selectFrom('agent_sessions')
      .select(['workspace_id', 'acting_user_id', 'created_by'])
      .where('id', '=', sessionId)
      .executeTakeFirst();
    if (!session || session.workspace_id !== workspace.id) throw proxyErrors.sessionRefused();
    return {
      sessionId,
      userId: session.acting_user_id ?? session.created_by ?? workspace.created_by,
    };
  }
}
