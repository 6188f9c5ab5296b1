import type { Invitation } from '@hangar/protocol';
import { useState } from 'react';
import { useInvitations, useRevokeInvitation } from '../../api/invitations';
import { ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime, isPast } from '../../components/date-time';
import { SecretBox } from '../../components/secret-box';
import { CreateInvitationForm } from './create-invitation-form';
import { useToast } from '../../components/toast';
import { TableWrap } from '../../components/table-wrap';

type InvitationState = 'pending' | 'used' | 'revoked' | 'expired';

function stateOf(invitation: Invitation): InvitationState {
  if (invitation.revoked) return 'revoked';
  if (invitation.usedAt !== null) return 'used';
  if (isPast(invitation.expiresAt)) return 'expired';
  return 'pending';
}

export function InvitationsSection() {
  const invitations = useInvitations();
  const revoke = useRevokeInvitation();
  const toast = useToast();
  // The link is in the create response only; it is kept in memory until dismissed.
  const [link, setLink] = useState<string | null>(null);

  return (
    <section className="card" aria-labelledby="invitations-heading">
      <h2 id="invitations-heading">Invitations</h2>
      <p className="muted small">
        An invitation link lets one person create an account. Send it to them directly.
      </p>
      {link ? (
        <SecretBox
          label="Invitation link"
          value={link}
          warning="Copy the link now: it will not be shown again."
          onDone={() => setLink(null)}
        />
      ) : null}
      <CreateInvitationForm onCreated={setLink} />

      <h3>Sent invitations</h3>
      <ErrorAlert error={invitations.error ?? revoke.error} />
      {invitations.isPending ? <p className="muted">Loading invitations…</p> : null}
      {invitations.data?.length === 0 ? <p className="muted">No invitations yet.</p> : null}
      {invitations.data && invitations.data.length > 0 ? (
        <TableWrap label="Invitations">
          <table>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {invitations.data.map((invitation) => {
                const state = stateOf(invitation);
                return (
                  <tr key={invitation.id}>
                    <th scope="row">
                      {invitation.email ?? <span className="muted">anyone with the link</span>}
                    </th>
                    <td>{invitation.role}</td>
                    <td>
                      <DateTime value={invitation.createdAt} />
                    </td>
                    <td>
                      <DateTime value={invitation.expiresAt} />
                    </td>
                    <td>
                      <span className={state === 'pending' ? 'badge badge-ok' : 'badge badge-muted'}>
                        {state}
                      </span>
                    </td>
                    <td className="actions">
                      {state === 'pending' ? (
                        <ConfirmButton
                          label="Revoke"
                          prompt="Revoke this invitation?"
                          confirmLabel="Confirm revoke"
                          disabled={revoke.isPending}
                          onConfirm={() =>
                            revoke.mutate(invitation.id, { onSuccess: () => toast('Invitation revoked.') })
                          }
                        />
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </section>
  );
}
