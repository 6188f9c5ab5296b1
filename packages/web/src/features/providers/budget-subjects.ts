import { useUsers } from '../../api/users';
import { useWorkspaces } from '../../api/workspaces';
import type { BudgetScope } from '../../api/budgets';

export interface Subject {
  id: string;
  name: string;
}

export type Subjects = Record<BudgetScope, Subject[]>;

/** Everyone and every workspace a budget can be set for (an admin sees them all). */
export function useBudgetSubjects() {
  const users = useUsers();
  const workspaces = useWorkspaces({});
  const subjects: Subjects = {
    user: (users.data ?? []).map((user) => ({ id: user.id, name: `${user.displayName} (${user.username})` })),
    workspace: (workspaces.data?.workspaces ?? []).map((workspace) => ({
      id: workspace.id,
      name: workspace.name,
    })),
  };
  return { subjects, error: users.error ?? workspaces.error };
}

/** A subject's name, or its id when it is gone (a deleted workspace keeps its budget row). */
export function subjectName(subjects: Subjects, scope: BudgetScope, id: string): string {
  return subjects[scope].find((subject) => subject.id === id)?.name ?? id;
}

export const SCOPE_NAMES: Record<BudgetScope, string> = { user: 'User', workspace: 'Workspace' };
