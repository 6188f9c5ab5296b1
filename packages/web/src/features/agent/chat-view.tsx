import type { PermissionDecision } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { sessionKeys } from '../../api/keys';
import {
  answerPermission,
  sendSessionMessage,
  useSessionAction,
  type SessionAction,
} from '../../api/sessions';
import { ErrorAlert } from '../../components/alert';
import { formatCount, formatUsd } from '../../components/format';
import { Composer } from './composer';
import { SessionStatusBadge } from './session-status-badge';
import { TranscriptRow, type ItemContext } from './transcript-items';
import { userTexts } from './transcript';
import { useSessionStream } from './use-session-stream';

/** Rows rendered at first, and added by each "Show earlier": long transcripts stay cheap to render. */
const PAGE = 100;

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
  const client = useQueryClient();
  const [shown, setShown] = useState(PAGE);
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);

  const status = transcript.status ?? session?.status ?? null;
  // Keep the session list's badges in step with the stream.
  useEffect(() => {
    if (status) void client.invalidateQueries({ queryKey: sessionKeys.list(workspaceId) });
  }, [status, client, workspaceId]);

  const context = useMemo<ItemContext>(
    () => ({
      canAnswer: canOperate,
      onAnswer: (requestId: string, decision: PermissionDecision) =>
        answerPermission(sessionId, { requestId, decision }),
    }),
    [canOperate, sessionId],
  );
  const history = useMemo(() => userTexts(transcript), [transcript]);

  const items = transcript.items;
  const start = Math.max(0, items.length - shown);
  const visible = items.slice(start);

  // Follow the stream while the reader is at the bottom; leave them be when they scrolled up.
  useLayoutEffect(() => {
    const node = scroller.current;
    if (node && pinned.current) node.scrollTop = node.scrollHeight;
  }, [items]);

  const run = (name: SessionAction) => action.mutate({ sessionId, action: name });
  const working = status === 'working' || status === 'awaiting_approval';

  return (
    <section className="chat" aria-label={session ? `Session ${session.title}` : 'Session'}>
      <header className="chat-head">
        <div className="chat-title">
          <strong>{session?.title || 'Session'}</strong>
          {session ? (
            <span className="muted small">
              {session.agent} · {session.model}
            </span>
          ) : null}
        </div>
        {status ? <SessionStatusBadge status={status} stalled={transcript.stalled} live /> : null}
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
      <ErrorAlert error={error ?? action.error} />
      <div
        className="chat-log"
        ref={scroller}
        role="log"
        aria-label="Transcript"
        onScroll={(event) => {
          const node = event.currentTarget;
          pinned.current = node.scrollHeight - node.scrollTop - node.clientHeight < 40;
        }}
      >
        {start > 0 ? (
          <button
            type="button"
            className="button button-small show-earlier"
            onClick={() => setShown((n) => n + PAGE)}
          >
            Show earlier ({start} more)
          </button>
        ) : null}
        {visible.length === 0 && session ? <p className="muted">No messages yet.</p> : null}
        {visible.map((item) => (
          <TranscriptRow key={item.key} item={item} context={context} />
        ))}
      </div>
      <Composer
        history={history}
        disabled={!canOperate || status === 'stopped'}
        onSend={(text) => sendSessionMessage(sessionId, text)}
      />
    </section>
  );
}
