import type { Kysely, Selectable } from 'kysely';
import type { WorkspaceMember, WorkspaceRole, WorkspaceSource, WorkspaceState } from '@hangar/protocol';
import { workspaceSource } from '@hangar/protocol';
import type { Database, WorkspacesTable } from '../../store/schema.js';

export type WorkspaceRow = Selectable<WorkspacesTable>;

export interface WorkspaceFilter {
  state?: WorkspaceState | undefined;
  owner?: string | undefined;
  q?: string | undefined;
  /** Only workspaces this user is a member of (non-admins). */
  memberId?: string | undefined;
}

/** Queries of workspaces and their members. */
export class WorkspaceRepository {
  constructor(private readonly db: Kysely<Database>) {}

  find(id: string): Promise<WorkspaceRow | undefined> {
    return this.db.selectFrom('workspaces').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(filter: WorkspaceFilter): Promise<WorkspaceRow[]> {
    let query = this.db
      .selectFrom('workspaces')
      .selectAll('workspaces')
      .orderBy('workspaces.created_at', 'desc');
    if (filter.state) query = query.where('state', '=', filter.state);
    if (filter.q) query = query.where('name', 'like', `%${filter.q.replace(/[%_\\]/g, '')}%`);
    if (filter.memberId) {
      const memberId = filter.memberId;
      query = query.where('id', 'in', (eb) =>
        eb.selectFrom('workspace_members').select('workspace_id').where('user_id', '=', memberId),
      );
    }
    if (filter.owner) {
      const owner = filter.owner;
      query = query.where('id', 'in', (eb) =>
        eb
          .selectFrom('workspace_members')
          .innerJoin('users', 'users.id', 'workspace_members.user_id')
          .select('workspace_members.workspace_id')
          .where('workspace_members.role', '=', 'owner')
          .where((w) => w.or([w('users.id', '=', owner), w('users.username', '=', owner.toLowerCase())])),
      );
    }
    return query.execute();
  }

  listByState(states: WorkspaceState[]): Promise<WorkspaceRow[]> {
    return this.db.selectFrom('workspaces').selectAll().where('state', 'in', states).execute();
  }

  async members(workspaceIds: string[]): Promise<Map<string, WorkspaceMember[]>> {
    const byWorkspace = new Map<string, WorkspaceMember[]>(workspaceIds.map((id) => [id, []]));
    if (workspaceIds.length === 0) return byWorkspace;
    const rows = await this.db
      .selectFrom('workspace_members')
      .innerJoin('users', 'users.id', 'workspace_members.user_id')
      .select([
        'workspace_members.workspace_id',
        'users.id',
        'users.username',
        'users.display_name',
        'workspace_members.role',
      ])
      .where('workspace_members.workspace_id', 'in', workspaceIds)
      .orderBy('workspace_members.added_at')
      .execute();
    for (const r of rows) {
      byWorkspace
        .get(r.workspace_id)
        ?.push({ userId: r.id, username: r.username, displayName: r.display_name, role: r.role });
    }
    return byWorkspace;
  }

  async roleOf(workspaceId: string, userId: string): Promise<WorkspaceRole | null> {
    const row = await this.db
      .selectFrom('workspace_members')
      .select('role')
      .where('workspace_id', '=', workspaceId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.role ?? null;
  }

  async update(id: string, patch: Partial<Omit<WorkspaceRow, 'id'>>): Promise<void> {
    await this.db.updateTable('workspaces').set(patch).where('id', '=', id).execute();
  }

  async usedUids(): Promise<Set<number>> {
    const rows = await this.db.selectFrom('workspaces').select('uid').execute();
    return new Set(rows.map((r) => Number(r.uid)));
  }
}

/** The source column holds JSON written by this server; parse it at the boundary all the same. */
export function sourceOf(row: WorkspaceRow): WorkspaceSource {
  return workspaceSource.parse(JSON.parse(row.source));
}
