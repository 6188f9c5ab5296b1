import type { Workspace } from '@hangar/protocol';
import { useSearchParams } from 'react-router-dom';
import { useAgents, useSessions } from '../../api/sessions';
import { ErrorAlert } from '../../components/alert';
import { agentLabel } from './agent-label';
import { ChatView } from './chat-view';
import { NewSessionForm } from './new-session-form';
import { SessionStatusBadge } from './session-status-badge';
import './agent.css';

const NEW = 'new';

/**
 * The Agent tab: the workspace's sessions on the left, the chosen one (or the
 * form for a new one) on the right. The choice lives in `?session=` so a
 * reload or a shared link opens the same session.
 */
export function AgentPanel({ workspace, canOperate }: { workspace: Workspace; canOperate: boolean }) {
  const sessions = useSessions(workspace.id);
  const agents = useAgents();
  const [params, setParams] = useSearchParams();
  const list = sessions.data ?? [];
  const requested = params.get('session');
  const choose = (id: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (id === null) next.delete('session');
        else next.set('session', id);
        return next;
      },
      { replace: true },
    );

  // A session just created may not be in the list yet: open it by id all the same.
  const selectedId = requested === NEW ? null : (requested ?? list[0]?.id ?? null);
  const showForm = canOperate && (requested === NEW || (!sessions.isPending && list.length === 0));
  const running = workspace.state === 'running';

  return (
    <div className="agent-panel">
      <nav className="session-list" aria-label="Sessions">
        {canOperate ? (
          <button
            type="button"
            className="button button-small button-block"
            onClick={() => choose(NEW)}
            disabled={!running}
            aria-pressed={requested === NEW}
          >
            New session
          </button>
        ) : null}
        {sessions.isPending ? <p className="muted small">Loading sessions…</p> : null}
        <ErrorAlert error={sessions.error} />
        <ul>
          {list.map((s) => (
            <li key={s.id}>
              <button
                type="button"
                className={`session-item${selectedId === s.id ? ' session-item-current' : ''}`}
                aria-current={selectedId === s.id ? 'true' : undefined}
                onClick={() => choose(s.id)}
              >
                <span className="session-item-title">{s.title || 'Untitled session'}</span>
                <span className="session-item-meta">
                  <SessionStatusBadge status={s.status} />
                  <span className="muted small">{agentLabel(agents.data, s.agent)}</span>
                </span>
              </button>
            </li>
          ))}
        </ul>
        {!sessions.isPending && list.length === 0 ? <p className="muted small">No sessions yet.</p> : null}
      </nav>
      <div className="agent-main">
        {showForm ? (
          running ? (
            <NewSessionForm
              workspaceId={workspace.id}
              onCreated={(created) => choose(created.id)}
              onCancel={list.length ? () => choose(null) : undefined}
            />
          ) : (
            <p className="muted">Start the workspace to run an agent in it.</p>
          )
        ) : selectedId ? (
          <ChatView
            key={selectedId}
            sessionId={selectedId}
            workspaceId={workspace.id}
            canOperate={canOperate}
          />
        ) : !canOperate && list.length === 0 ? (
          <p className="muted">No agent sessions in this workspace yet.</p>
        ) : null}
      </div>
    </div>
  );
}
