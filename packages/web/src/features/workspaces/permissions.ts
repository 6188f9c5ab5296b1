import type { Workspace } from '@hangar/protocol';
import { useIsAdmin } from '../auth/session';

export interface WorkspacePermissions {
  /** Rename, archive, restore, retry, delete, manage members: owners and admins. */
  manage: boolean;
  /** Start, stop and run commands: editors, owners and admins. */
  operate: boolean;
}

/**
 * What the signed-in user may do, to hide controls that would only fail.
 * The server decides for real; admins who are not members have `myRole` null.
 */
export function useWorkspacePermissions(workspace: Workspace): WorkspacePermissions {
  const isAdmin = useIsAdmin();
  const role = workspace.myRole;
  return {
    manage: isAdmin || role === 'owner',
    operate: isAdmin || role === 'owner' || role === 'editor',
  };
}
