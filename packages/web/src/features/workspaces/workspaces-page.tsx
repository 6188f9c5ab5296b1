import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useWorkspaces } from '../../api/workspaces';
import { usePageTitle } from '../../components/hooks';
import { EmptyState, ErrorState, LoadingState } from '../../components/states';
import { CreateWorkspaceDialog } from './create-workspace-dialog';
import { useWorkspaceFilters, WorkspaceFilterBar } from './workspace-filters';
import { WorkspaceList } from './workspace-list';
import './workspaces.css';

/** Home: the workspaces this user can see, and the way to make a new one. */
export function WorkspacesPage() {
  usePageTitle('Workspaces');
  const filters = useWorkspaceFilters();
  const list = useWorkspaces(filters.filters);
  const [creating, setCreating] = useState(false);
  const openCreate = () => setCreating(true);
  // `/?new=1` (the command palette, a link) opens the dialog once; the URL drops it,
  // so Back from the new workspace does not open it again.
  const [params, setParams] = useSearchParams();
  const asked = params.get('new') === '1';
  useEffect(() => {
    if (!asked) return;
    setCreating(true);
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        next.delete('new');
        return next;
      },
      { replace: true },
    );
  }, [asked, setParams]);

  return (
    <section className="page">
      <div className="page-head">
        <h1>Workspaces</h1>
        <button type="button" className="button button-primary" onClick={openCreate}>
          New workspace
        </button>
      </div>
      <WorkspaceFilterBar filters={filters} />
      {list.error ? <ErrorState error={list.error} onRetry={() => void list.refetch()} /> : null}
      {list.isPending ? <LoadingState label="Loading workspaces…" /> : null}
      {list.data && list.data.workspaces.length > 0 ? (
        <WorkspaceList workspaces={list.data.workspaces} totalDiskBytes={list.data.totalDiskBytes} />
      ) : null}
      {list.data && list.data.workspaces.length === 0 ? (
        filters.active ? (
          <EmptyState
            title="No workspaces match"
            action={
              <button type="button" className="button" onClick={filters.clear}>
                Clear filters
              </button>
            }
          >
            Try another state or search, or show them all.
          </EmptyState>
        ) : (
          <EmptyState
            title="No workspaces yet"
            action={
              <button type="button" className="button button-primary" onClick={openCreate}>
                Create your first workspace
              </button>
            }
          >
            A workspace is an isolated place with its own files where agents and people work on a repository.
          </EmptyState>
        )
      ) : null}
      {creating ? <CreateWorkspaceDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}
