import type { PermissionDecision } from '@hangar/protocol';
import { memo, useState } from 'react';
import { errorMessage } from '../../components/alert';
import { TurnChangesRow } from '../diff/turn-changes';
import { CodeBlock, MarkdownView } from './markdown-view';
import type { PermissionItem, ToolItem, TranscriptItem } from './transcript';

export interface ItemContext {
  sessionId: string;
  /** Editors, owners and admins may answer permission requests; viewers see them disabled. */
  canAnswer: boolean;
  onAnswer: (requestId: string, decision: PermissionDecision) => Promise<unknown>;
}

/** One row of the transcript; memoised, since items that did not change keep their identity. */
export const TranscriptRow = memo(function TranscriptRow({
  item,
  context,
}: {
  item: TranscriptItem;
  context: ItemContext;
}) {
  switch (item.kind) {
    case 'user':
      return (
        <div className="chat-item chat-user">
          <span className="visually-hidden">You wrote: </span>
          <p className="chat-user-text">{item.text}</p>
        </div>
      );
    case 'assistant':
      return (
        <div className="chat-item chat-assistant" aria-busy={item.streaming}>
          <MarkdownView text={item.text} />
        </div>
      );
    case 'reasoning':
      return (
        <details className="chat-item chat-reasoning">
          <summary>{item.streaming ? 'Thinking…' : 'Reasoning'}</summary>
          <p className="chat-reasoning-text">{item.text}</p>
        </details>
      );
    case 'tool':
      return <ToolCard item={item} />;
    case 'permission':
      return <PermissionCard item={item} context={context} />;
    case 'error':
      return (
        // No role="alert": the row mounts again whenever it scrolls into view; the log's status announces it once.
        <div className={`chat-item alert ${item.stopped ? 'alert-warning' : 'alert-error'}`}>
          {item.message}
        </div>
      );
    case 'turn-end':
      return <TurnChangesRow sessionId={context.sessionId} turnId={item.runId} />;
  }
});

/** Pretty JSON when the arguments parse, the raw text while they still stream. */
function formatArgs(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function ToolCard({ item }: { item: ToolItem }) {
  const state = item.error !== null ? 'failed' : item.result !== null ? 'done' : 'running';
  return (
    <article className={`chat-item tool-card tool-${state}`} aria-label={`Tool call ${item.name}`}>
      <header className="tool-card-head">
        <span className="tool-name mono">{item.name}</span>
        <span
          className={`badge ${state === 'failed' ? 'badge-danger' : state === 'done' ? 'badge-ok' : 'badge-warn'}`}
        >
          {state === 'running' ? 'running…' : state}
        </span>
        {item.endedAt !== null ? (
          <span className="muted small">{formatDuration(Math.max(0, item.endedAt - item.startedAt))}</span>
        ) : null}
      </header>
      {item.args ? (
        <details className="tool-section" open={item.result === null}>
          <summary>Arguments</summary>
          <CodeBlock code={formatArgs(item.args)} lang="json" />
        </details>
      ) : null}
      {item.result !== null ? (
        <details className="tool-section" open>
          <summary>Result</summary>
          <pre className="code-block tool-result">{item.result || '(no output)'}</pre>
        </details>
      ) : null}
      {item.error !== null ? <p className="field-error">{item.error}</p> : null}
    </article>
  );
}

const DECISION_TEXT: Record<PermissionDecision, string> = {
  allow: 'Allowed',
  deny: 'Denied',
  allow_session: 'Always allowed for this session',
};

function PermissionCard({ item, context }: { item: PermissionItem; context: ItemContext }) {
  const [busy, setBusy] = useState<PermissionDecision | null>(null);
  const [error, setError] = useState<unknown>(null);
  const answered = item.answer !== null;

  async function answer(decision: PermissionDecision) {
    setBusy(decision);
    setError(null);
    try {
      await context.onAnswer(item.requestId, decision);
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(null);
    }
  }

  const disabled = !context.canAnswer || answered || busy !== null;
  return (
    <article
      className={`chat-item permission-card${answered ? ' permission-answered' : ''}`}
      aria-label={`Permission request: ${item.toolName}`}
    >
      <header className="tool-card-head">
        <strong>{item.summary ?? `The agent wants to use ${item.toolName}`}</strong>
        <span className="tool-name mono">{item.toolName}</span>
      </header>
      {item.input !== undefined && item.input !== null ? (
        <CodeBlock code={JSON.stringify(item.input, null, 2)} lang="json" />
      ) : null}
      {item.answer ? (
        <p className={item.answer.decision === 'deny' ? 'field-error' : 'muted'}>
          {DECISION_TEXT[item.answer.decision]}
          {item.answer.reason ? `: ${item.answer.reason}` : ''}
        </p>
      ) : (
        <div className="agent-row">
          <button
            type="button"
            className="button button-primary button-small"
            disabled={disabled}
            onClick={() => void answer('allow')}
          >
            Allow
          </button>
          <button
            type="button"
            className="button button-danger button-small"
            disabled={disabled}
            onClick={() => void answer('deny')}
          >
            Deny
          </button>
          <button
            type="button"
            className="button button-small"
            disabled={disabled}
            onClick={() => void answer('allow_session')}
          >
            Always allow
          </button>
          {!context.canAnswer ? (
            <span className="muted small">Only editors and owners can answer.</span>
          ) : null}
        </div>
      )}
      {error ? <p className="field-error">{errorMessage(error)}</p> : null}
    </article>
  );
}
