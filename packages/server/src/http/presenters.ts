import type { ApiToken, Group, Invitation, User, Workspace } from '@hangar/protocol';
import type { UserRow } from '../services/accounts.js';
import type { GroupRow } from '../services/groups.js';
import type { InvitationRow } from '../services/invitations.js';
import type { TokenRow } from '../services/tokens.js';
import { sourceOf } from '../services/workspaces/repository.js';
import type { WorkspaceView } from '../services/workspaces/workspace-service.js';

// Response shapes live here, so no route leaks a column (a hash, say) by accident.

export function presentUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    displayName: row.display_name,
    email: row.email,
    role: row.role,
    disabled: row.disabled_at !== null,
    locked: row.locked_at !== null,
    createdAt: row.created_at,
  };
}

export function presentToken(row: TokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
  };
}

export function presentGroup(row: GroupRow): Group {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    memberIds: row.member_ids,
    createdAt: row.created_at,
  };
}

export function presentInvitation(row: InvitationRow): Invitation {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    usedAt: row.used_at,
    revoked: row.revoked_at !== null,
  };
}

export function presentWorkspace(view: WorkspaceView): Workspace {
  const { row } = view;
  return {
    id: row.id,
    name: row.name,
    state: row.state,
    error: row.error,
    template: row.template,
    driver: row.driver,
    isolated: view.isolated,
    network: row.network,
    source: sourceOf(row),
    branch: row.branch,
    members: view.members,
    myRole: view.myRole,
    diskBytes: row.disk_bytes === null ? null : Number(row.disk_bytes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastActiveAt: row.last_active_at,
  };
}
