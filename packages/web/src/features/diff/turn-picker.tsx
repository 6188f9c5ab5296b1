import { useAgents, useSessions } from '../../api/sessions';
import { agentLabel } from '../agent/agent-label';
import { useTurns } from '../../api/diff';

export type DiffSource = { kind: 'live' } | { kind: 'turn'; sessionId: string; turnId: string | null };

const timeFormat = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });

/** "Turn 2 · 14:05 · 3 files" */
export function turnLabel(index: number, startedAt: string, files: number): string {
  return `Turn ${index + 1} · ${timeFormat.format(new Date(startedAt))} · ${files} file${files === 1 ? '' : 's'}`;
}

/** Chooses what the panel shows: the working tree live, or what one agent turn changed. */
export function TurnPicker({
  workspaceId,
  source,
  onChange,
}: {
  workspaceId: string;
  source: DiffSource;
  onChange: (source: DiffSource) => void;
}) {
  const sessions = useSessions(workspaceId);
  const agents = useAgents();
  const sessionId = source.kind === 'turn' ? source.sessionId : null;
  const turns = useTurns(sessionId);

  return (
    <div className="diff-source">
      <label className="diff-inline-label">
        <span className="small muted">Show</span>
        <select
          value={sessionId ?? ''}
          onChange={(event) =>
            onChange(
              event.target.value === ''
                ? { kind: 'live' }
                : { kind: 'turn', sessionId: event.target.value, turnId: null },
            )
          }
        >
          <option value="">Working tree (live)</option>
          {sessions.data?.map((session) => (
            <option key={session.id} value={session.id}>
              Agent session: {session.title || agentLabel(agents.data, session.agent)}
            </option>
          ))}
        </select>
      </label>
      {sessionId ? (
        <label className="diff-inline-label">
          <span className="visually-hidden">Turn</span>
          <select
            value={source.kind === 'turn' ? (source.turnId ?? turns.data?.at(-1)?.turnId ?? '') : ''}
            disabled={!turns.data || turns.data.length === 0}
            onChange={(event) => onChange({ kind: 'turn', sessionId, turnId: event.target.value || null })}
            aria-label="Turn"
          >
            {turns.isPending ? <option value="">Loading turns…</option> : null}
            {turns.data?.length === 0 ? <option value="">No finished turns yet</option> : null}
            {turns.data?.map((turn, index) => (
              <option key={turn.turnId} value={turn.turnId}>
                {turnLabel(index, turn.startedAt, turn.files.length)} · +{turn.additions} −{turn.deletions}
              </option>
            ))}
          </select>
        </label>
      ) : null}
    </div>
  );
}
