import { webhookEvent, type Webhook, type WebhookEvent, type Workspace } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import {
  useCreateWebhook,
  useDeleteWebhook,
  useWebhookDeliveries,
  useWorkspaceWebhooks,
} from '../../api/webhooks';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { SecretBox } from '../../components/secret-box';
import './webhooks.css';

const EVENT_LABEL: Record<WebhookEvent, string> = {
  'session.started': 'Session started',
  'session.awaiting_approval': 'Awaiting approval',
  'session.finished': 'Turn finished',
  'session.failed': 'Session failed',
  'chat.mention': 'Chat mention',
};

/** A workspace's webhooks, for its owners and admins: add, remove, and each one's delivery log. */
export function WebhooksSection({ workspace }: { workspace: Workspace }) {
  const hooks = useWorkspaceWebhooks(workspace.id);
  const remove = useDeleteWebhook(workspace.id);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <section className="card webhooks-section" aria-labelledby="webhooks-heading">
      <h2 id="webhooks-heading">Webhooks</h2>
      <p className="muted small">
        POSTs JSON signed with HMAC-SHA256 (header X-Hangar-Signature-256), retried with backoff.
      </p>
      <ErrorAlert error={hooks.error ?? remove.error} />
      <ul className="webhook-list">
        {(hooks.data ?? []).map((hook) => (
          <li key={hook.id}>
            <WebhookItem hook={hook} onDelete={() => remove.mutate(hook.id)} busy={remove.isPending} />
          </li>
        ))}
      </ul>
      {secret ? (
        <SecretBox
          label="Signing secret"
          value={secret}
          warning="Copy it now: Hangar will not show it again."
          onDone={() => setSecret(null)}
        />
      ) : (
        <AddWebhookForm workspaceId={workspace.id} onCreated={setSecret} />
      )}
    </section>
  );
}

function WebhookItem({ hook, onDelete, busy }: { hook: Webhook; onDelete: () => void; busy: boolean }) {
  const [open, setOpen] = useState(false);
  return (
    <details className="webhook" open={open} onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary>
        <span className="mono small">{hook.url}</span>{' '}
        <span className="muted small">{hook.events.map((e) => EVENT_LABEL[e]).join(', ')}</span>
      </summary>
      {open ? <DeliveryLog webhookId={hook.id} /> : null}
      <button type="button" className="button button-small button-danger" disabled={busy} onClick={onDelete}>
        Remove webhook
      </button>
    </details>
  );
}

function DeliveryLog({ webhookId }: { webhookId: string }) {
  const deliveries = useWebhookDeliveries(webhookId);
  if (deliveries.error) return <ErrorAlert error={deliveries.error} />;
  const list = deliveries.data ?? [];
  if (list.length === 0) return <p className="muted small">No deliveries yet.</p>;
  return (
    // Scrolls sideways in a narrow column: focusable, so the keyboard can scroll it too.
    <div className="table-wrap" tabIndex={0} role="region" aria-label="Delivery log">
      <table aria-label="Deliveries">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Event</th>
            <th scope="col">Status</th>
            <th scope="col">Tries</th>
            <th scope="col">Answer</th>
          </tr>
        </thead>
        <tbody>
          {list.map((d) => (
            <tr key={d.id}>
              <td className="small">{new Date(d.createdAt).toLocaleString()}</td>
              <td className="small">{d.event}</td>
              <td>
                <span
                  className={`badge ${d.status === 'succeeded' ? 'badge-ok' : d.status === 'failed' ? 'badge-danger' : 'badge-warn'}`}
                >
                  {d.status}
                </span>
              </td>
              <td>{d.attempts}</td>
              <td className="small" title={d.error ?? undefined}>
                {d.responseStatus ?? '—'}
                {d.error ? ` ${d.error}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function AddWebhookForm({
  workspaceId,
  onCreated,
}: {
  workspaceId: string;
  onCreated: (secret: string) => void;
}) {
  const create = useCreateWebhook(workspaceId);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>(['session.finished', 'session.failed']);
  async function submit(event: FormEvent) {
    event.preventDefault();
    try {
      const created = await create.mutateAsync({ url: url.trim(), events });
      setUrl('');
      onCreated(created.secret);
    } catch {
      // shown below from create.error
    }
  }
  return (
    <form onSubmit={submit} className="webhook-form">
      <Field label="Receiver URL" type="url" required value={url} onChange={(e) => setUrl(e.target.value)} />
      <fieldset>
        <legend className="small">Events</legend>
        {webhookEvent.options.map((name) => (
          <label key={name} className="small choice">
            <input
              type="checkbox"
              checked={events.includes(name)}
              onChange={(e) =>
                setEvents(e.target.checked ? [...events, name] : events.filter((other) => other !== name))
              }
            />{' '}
            {EVENT_LABEL[name]}
          </label>
        ))}
      </fieldset>
      <button
        type="submit"
        className="button button-small"
        disabled={create.isPending || !url || !events.length}
      >
        Add webhook
      </button>
      <ErrorAlert error={create.error} />
    </form>
  );
}
