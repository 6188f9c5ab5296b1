import type { Workspace } from '@hangar/protocol';
import { Link, useParams } from 'react-router-dom';
import { isApiError } from '../../api/client';
import { useWorkspace } from '../../api/workspaces';
import { ErrorAlert } from '../../components/alert';
import { usePageTitle } from '../../components/hooks';
import { Splash } from '../../components/splash';
import { ChatDock, ChatSide } from '../chat/chat-dock';
import { WebhooksSection } from '../webhooks/webhooks-section';
import { MembersPanel } from './members-panel';
import { useWorkspacePermissions } from './permissions';
import { WorkspaceDetails } from './workspace-details';
import { WorkspaceHeader } from './workspace-header';
import { WorkspaceTools } from './workspace-tools';
import './workspaces.css';

export function WorkspacePage() {
  const { id = '' } = useParams();
  const query = useWorkspace(id);
  usePageTitle(query.data?.name ?? 'Workspace');

  if (query.data) return <WorkspaceView workspace={query.data} refreshError={query.error} />;
  if (query.isPending) return <Splash label="Loading workspace…" />;
  if (isApiError(query.error, 'not_found')) {
    return (
      <section className="page">
        <h1>Workspace not found</h1>
        <p>
          It was deleted, or you are not a member of it. <Link to="/">Go to your workspaces</Link>.
        </p>
      </section>
    );
  }
  return (
    <section className="page">
      <h1>Workspace</h1>
      <ErrorAlert error={query.error} />
      <button type="button" className="button" onClick={() => void query.refetch()}>
        Try again
      </button>
    </section>
  );
}

function WorkspaceView({ workspace, refreshError }: { workspace: Workspace; refreshError: unknown }) {
  const permissions = useWorkspacePermissions(workspace);
  return (
    <section className="page workspace-page">
      <nav aria-label="Breadcrumb" className="breadcrumb small">
        <Link to="/">Workspaces</Link> / <span aria-current="page">{workspace.name}</span>
      </nav>
      <WorkspaceHeader workspace={workspace} permissions={permissions} />
      <ErrorAlert error={refreshError} />
      <div className="workspace-grid">
        <ChatDock workspace={workspace} canPost={permissions.operate}>
          <WorkspaceTools workspace={workspace} permissions={permissions} />
        </ChatDock>
        <div className="workspace-side">
          <ChatSide workspace={workspace} canPost={permissions.operate} />
          <WorkspaceDetails workspace={workspace} />
          <MembersPanel workspace={workspace} permissions={permissions} />
          {permissions.manage ? <WebhooksSection workspace={workspace} /> : null}
        </div>
      </div>
    </section>
  );
}
