import type { CreatedToken } from '@hangar/protocol';
import { useState } from 'react';
import { useRevokeToken, useTokens } from '../../api/tokens';
import { ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime, isPast } from '../../components/date-time';
import { SecretBox } from '../../components/secret-box';
import { CreateTokenForm } from './create-token-form';
import { useToast } from '../../components/toast';
import { TableWrap } from '../../components/table-wrap';

/** API tokens let the CLI and scripts act as this user. */
export function TokensSection() {
  const tokens = useTokens();
  const revoke = useRevokeToken();
  const toast = useToast();
  // Held only in memory: the server never sends the secret again.
  const [created, setCreated] = useState<CreatedToken | null>(null);

  return (
    <section className="card" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">API tokens</h2>
      <p className="muted small">
        For the <code>hangar</code> CLI and scripts: send a token as{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>.
      </p>

      {created ? (
        <SecretBox
          label="New token secret"
          value={created.secret}
          warning={`Copy the secret of “${created.token.name}” now: it will not be shown again.`}
          onDone={() => setCreated(null)}
        />
      ) : null}

      <CreateTokenForm onCreated={setCreated} />

      <h3>Your tokens</h3>
      <ErrorAlert error={tokens.error ?? revoke.error} />
      {tokens.isPending ? (
        <p className="muted">Loading tokens…</p>
      ) : tokens.data && tokens.data.length === 0 ? (
        <p className="muted">No tokens yet.</p>
      ) : tokens.data ? (
        <TableWrap label="API tokens">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Prefix</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {tokens.data.map((token) => (
                <tr key={token.id}>
                  <th scope="row">{token.name}</th>
                  <td className="mono">{token.prefix}…</td>
                  <td>
                    <DateTime value={token.createdAt} />
                  </td>
                  <td>
                    <DateTime value={token.expiresAt} fallback="Never" />
                    {isPast(token.expiresAt) ? <span className="badge badge-muted">expired</span> : null}
                  </td>
                  <td>
                    <DateTime value={token.lastUsedAt} fallback="Never" />
                  </td>
                  <td className="actions">
                    <ConfirmButton
                      label="Revoke"
                      prompt={`Revoke “${token.name}”?`}
                      confirmLabel="Confirm revoke"
                      disabled={revoke.isPending}
                      onConfirm={() =>
                        revoke.mutate(token.id, { onSuccess: () => toast(`Token “${token.name}” revoked.`) })
                      }
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </section>
  );
}
