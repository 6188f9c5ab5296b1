import { session as sessionSchema, type PermissionDecision } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { apiRequest } from '../../api/client';
import { sessionKeys } from '../../api/keys';
import {
  answerPermission,
  sendSessionMessage,
  sessionPath,
  useAgents,
  useSessionAction,
  type SessionAction,
} from '../../api/sessions';
import { ErrorAlert } from '../../components/alert';
import { formatCount, formatUsd } from '../../components/format';
import { useTurnDiffsFresh } from '../diff/turn-changes';
import { agentAndModel, agentLabel } from './agent-label';
import { Composer } from './composer';
import { SessionStatusBadge } from './session-status-badge';
import { type ItemContext } from './transcript-items';
import { TranscriptLog } from './transcript-log';
import { userTexts } from './transcript';
import { useSessionStream } from './use-session-stream';

export function ChatView({
  sessionId,
  workspaceId,
  canOperate,
}: {
  sessionId: string;
  workspaceId: string;
  canOperate: boolean;
}) {
  const { session, transcript, error, connected } = useSessionStream(sessionId);
  const action = useSessionAction(workspaceId);
  const agents = useAgents();
  const agent = agents.data?.find((a) => a.name === session?.agent);
  const [switchError, setSwitchError] = useState<unknown>(null);
  const model = transcript.model ?? session?.model ?? '';
  const client = useQueryClient();

  const status = transcript.status ?? session?.status ?? null;
  // Keep the session list's badges in step with the stream.
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: sessionKeys.list(workspaceId) });
  }, [status, client, workspaceId]);

  const context = useMemo<ItemContext>(
    () => ({
      sessionId,
      canAnswer: canOperate,
      onAnswer: (requestId: string, decision: PermissionDecision) =>
        answerPermission(sessionId, { requestId, decision }),
    }),
    [canOperate, sessionId],
  );
  const history = useMemo(() => userTexts(transcript), [transcript]);
  useTurnDiffsFresh(sessionId, status);

  const run = (name: SessionAction) => action.mutate({ sessionId, action: name });
  const working = status === 'working' || status === 'awaiting_approval';

  return (
    <section className="chat" aria-label={session ? `Session ${session.title}` : 'Session'}>
      <header className="chat-head">
        <div className="chat-title">
          <strong>{session?.title || 'Session'}</strong>
          {session ? (
            <span className="muted small">
              {canOperate && agent?.capabilities.modelSwitch && agent.models.length > 1 ? (
                <>
                  {agent.label} ·{' '}
                  <select
                    aria-label="Model"
                    className="chat-model"
                    value={model}
                    onChange={(event) => {
                      setSwitchError(null);
                      apiRequest(sessionPath(sessionId), sessionSchema, {
                        method: 'PATCH',
                        body: { model: event.target.value },
                      }).catch(setSwitchError);
                    }}
                  >
                    {agent.models.some((m) => m.id === model) ? null : <option value={model}>{model}</option>}
                    {agent.models.map((m) => (
                      <option key={m.id} value={m.id}>
                        {m.label}
                      </option>
                    ))}
                  </select>
                </>
              ) : (
                agentAndModel(agentLabel(agents.data, session.agent), model)
              )}
            </span>
          ) : null}
        </div>
        {status ? (
          <SessionStatusBadge
            status={status}
            stalled={transcript.stalled}
            message={transcript.statusMessage}
            live
          />
        ) : null}
        {transcript.usage ? (
          <span
            className="muted small"
            title={`${formatCount(transcript.usage.inputTokens)} tokens in, ${formatCount(transcript.usage.outputTokens)} out`}
          >
            Cost: {formatUsd(transcript.usage.costUsd)}
          </span>
        ) : null}
        {!connected && session ? <span className="muted small">Reconnecting…</span> : null}
        <span className="chat-actions">
          {canOperate && working ? (
            <button type="button" className="button button-small" onClick={() => run('interrupt')}>
              Interrupt
            </button>
          ) : null}
          {canOperate && status !== 'stopped' ? (
            <button
              type="button"
              className="button button-small button-danger-quiet"
              onClick={() => run('stop')}
            >
              Stop
            </button>
          ) : null}
          {canOperate && (status === 'stopped' || status === 'error') ? (
            <button type="button" className="button button-small" onClick={() => run('restart')}>
              Restart
            </button>
          ) : null}
        </span>
      </header>
      {transcript.statusMessage && status === 'error' ? (
        <p className="field-error">{transcript.statusMessage}</p>
      ) : null}
      <ErrorAlert error={error ?? action.error ?? switchError} />
      <TranscriptLog items={transcript.items} context={context} loaded={session !== null} />
      <Composer
        history={history}
        disabled={!canOperate || status === 'stopped'}
        hint={
          working
            ? agent?.capabilities.steering && status === 'working'
              ? 'The agent is working: your message steers this turn.'
              : 'The agent is working: your message runs when this turn ends.'
            : null
        }
        onSend={(text) => sendSessionMessage(sessionId, text)}
      />
    </section>
  );
}
