import type { WorkspaceRole } from '@hangar/protocol';
import { errors } from '../../errors.js';
import type { Principal } from '../auth.js';

/** What a caller wants to do with a workspace, from least to most. */
export type WorkspaceAction = 'read' | 'operate' | 'manage';

const NEEDED: Record<WorkspaceAction, WorkspaceRole[]> = {
  read: ['viewer', 'editor', 'owner'],
  operate: ['editor', 'owner'], // start, stop, run commands
  manage: ['owner'], // rename, members, archive, restore, delete
};

const VERB: Record<WorkspaceAction, string> = {
  read: 'see this workspace',
  operate: 'run or stop this workspace (editors and owners can)',
  manage: 'manage this workspace (owners can)',
};

/**
 * Admins may do anything. Others need a membership; a workspace they are not
 * a member of answers 404, so its existence does not leak.
 */
export function authorize(
  principal: Principal,
  role: WorkspaceRole | null,
  action: WorkspaceAction,
  name: string,
): void {
  if (principal.user.role === 'admin') return;
  if (role === null) throw errors.notFound(`Workspace "${name}"`);
  if (!NEEDED[action].includes(role)) throw errors.forbidden(VERB[action]);
}
