import { useState } from 'react';
import { useWorkspaces } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { usePageTitle } from '../../components/hooks';
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

  return (
    <section className="page">
      <div className="page-head">
        <h1>Workspaces</h1>
        <button type="button" className="button button-primary" onClick={openCreate}>
          New workspace
        </button>
      </div>
      <WorkspaceFilterBar filters={filters} />
      <ErrorAlert error={list.error} />
      {list.isPending ? <p className="muted">Loading workspaces…</p> : null}
      {list.data && list.data.workspaces.length > 0 ? (
        <WorkspaceList workspaces={list.data.workspaces} totalDiskBytes={list.data.totalDiskBytes} />
      ) : null}
      {list.data && list.data.workspaces.length === 0 ? (
        filters.active ? (
          <div className="card empty-state">
            <h2>No workspaces match</h2>
            <p className="muted">Try another state or search, or show them all.</p>
            <button type="button" className="button" onClick={filters.clear}>
              Clear filters
            </button>
          </div>
        ) : (
          <div className="card empty-state">
            <h2>No workspaces yet</h2>
            <p className="muted">
              A workspace is an isolated place with its own files where agents and people work on a
              repository.
            </p>
            <button type="button" className="button button-primary" onClick={openCreate}>
              Create your first workspace
            </button>
          </div>
        )
      ) : null}
      {creating ? <CreateWorkspaceDialog onClose={() => setCreating(false)} /> : null}
    </section>
  );
}
