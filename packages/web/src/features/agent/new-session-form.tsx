import type { PermissionModeName, Session } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useAgents, useCreateSession } from '../../api/sessions';
import { ErrorAlert } from '../../components/alert';
import { SelectField } from '../../components/field';

const MODES: { value: PermissionModeName; label: string }[] = [
  { value: 'ask', label: 'Ask before every tool' },
  { value: 'allow_edits', label: 'Allow file edits, ask for the rest' },
  { value: 'allow_all', label: 'Allow everything' },
];

export function NewSessionForm({
  workspaceId,
  onCreated,
  onCancel,
}: {
  workspaceId: string;
  onCreated: (session: Session) => void;
  onCancel?: () => void;
}) {
  const agents = useAgents();
  const create = useCreateSession(workspaceId);
  const [agentName, setAgentName] = useState<string | null>(null);
  const [model, setModel] = useState<string | null>(null);
  const [mode, setMode] = useState<PermissionModeName>('ask');
  const [prompt, setPrompt] = useState('');

  const list = agents.data ?? [];
  const agent = list.find((a) => a.name === agentName) ?? list.find((a) => a.unavailable === null) ?? null;
  const models = agent?.models ?? [];
  const chosenModel = models.find((m) => m.id === model)?.id ?? agent?.defaultModel ?? models[0]?.id ?? '';

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!agent) return;
    create.mutate(
      {
        workspaceId,
        agent: agent.name,
        model: chosenModel || undefined,
        prompt: prompt.trim() || undefined,
        permissionMode: mode,
      },
      { onSuccess: onCreated },
    );
  }

  if (agents.isPending) return <p className="muted">Loading agents…</p>;
  if (agents.isError) return <ErrorAlert error={agents.error} />;

  return (
    <form className="stack new-session-form" onSubmit={submit} aria-label="New session">
      <SelectField
        label="Agent"
        value={agent?.name ?? ''}
        onChange={(event) => {
          setAgentName(event.target.value);
          setModel(null);
        }}
        hint={agent?.experimental ? 'Experimental: expect rough edges.' : undefined}
      >
        {list.map((a) => (
          <option key={a.name} value={a.name} disabled={a.unavailable !== null}>
            {a.label}
            {a.unavailable !== null ? ` (unavailable: ${a.unavailable})` : ''}
          </option>
        ))}
      </SelectField>
      <SelectField label="Model" value={chosenModel} onChange={(event) => setModel(event.target.value)}>
        {models.map((m) => (
          <option key={m.id} value={m.id}>
            {m.label === m.id ? m.id : `${m.label} (${m.id})`}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Permission mode"
        value={mode}
        onChange={(event) => setMode(event.target.value as PermissionModeName)}
      >
        {MODES.map((m) => (
          <option key={m.value} value={m.value}>
            {m.label}
          </option>
        ))}
      </SelectField>
      <div className="field">
        <label htmlFor="new-session-prompt">Prompt</label>
        <textarea
          id="new-session-prompt"
          rows={4}
          value={prompt}
          onChange={(event) => setPrompt(event.target.value)}
          placeholder="What should the agent do? (optional: you can write later)"
        />
      </div>
      <ErrorAlert error={create.error} />
      <div className="agent-row">
        <button type="submit" className="button button-primary" disabled={!agent || create.isPending}>
          {create.isPending ? 'Starting…' : 'Start session'}
        </button>
        {onCancel ? (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {list.length > 0 && list.every((a) => a.unavailable !== null) ? (
        <p className="muted small">No agent is available on this server.</p>
      ) : null}
    </form>
  );
}
