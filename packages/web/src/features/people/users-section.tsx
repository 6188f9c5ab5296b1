import type { User } from '@hangar/protocol';
import { useUnlockUser, useUpdateUser, useUsers } from '../../api/users';
import { ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { DateTime } from '../../components/date-time';
import { useSession } from '../auth/session';
import { useToast } from '../../components/toast';
import { TableWrap } from '../../components/table-wrap';

export function UsersSection() {
  const users = useUsers();
  const update = useUpdateUser();
  const toast = useToast();
  const unlock = useUnlockUser();
  const { user: me } = useSession();
  const busy = update.isPending || unlock.isPending;

  return (
    <section className="card" aria-labelledby="users-heading">
      <h2 id="users-heading">Users</h2>
      <ErrorAlert error={users.error ?? update.error ?? unlock.error} />
      {users.isPending ? <p className="muted">Loading users…</p> : null}
      {users.data ? (
        <TableWrap label="Users">
          <table>
            <thead>
              <tr>
                <th scope="col">Username</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.map((user) => (
                <tr key={user.id}>
                  <th scope="row" className="mono">
                    {user.username}
                    {user.id === me.id ? <span className="badge badge-muted">you</span> : null}
                  </th>
                  <td>{user.displayName}</td>
                  <td>{user.role}</td>
                  <td>
                    <UserStatus user={user} />
                  </td>
                  <td>
                    <DateTime value={user.createdAt} />
                  </td>
                  <td className="actions">
                    {user.locked ? (
                      <button
                        type="button"
                        className="button button-small"
                        disabled={busy}
                        onClick={() => unlock.mutate(user.id)}
                      >
                        Unlock
                      </button>
                    ) : null}
                    {/* Admins do not demote or disable themselves here: it is too easy to lock everyone out. */}
                    {user.id === me.id ? null : (
                      <>
                        <button
                          type="button"
                          className="button button-small"
                          disabled={busy}
                          onClick={() =>
                            update.mutate({ id: user.id, role: user.role === 'admin' ? 'member' : 'admin' })
                          }
                        >
                          {user.role === 'admin' ? 'Make member' : 'Make admin'}
                        </button>
                        {user.disabled ? (
                          <button
                            type="button"
                            className="button button-small"
                            disabled={busy}
                            onClick={() => update.mutate({ id: user.id, disabled: false })}
                          >
                            Enable
                          </button>
                        ) : (
                          <ConfirmButton
                            label="Disable"
                            prompt={`Disable ${user.username}? They are logged out and cannot log in.`}
                            confirmLabel="Confirm disable"
                            disabled={busy}
                            onConfirm={() =>
                              update.mutate(
                                { id: user.id, disabled: true },
                                { onSuccess: () => toast(`${user.displayName} disabled.`) },
                              )
                            }
                          />
                        )}
                      </>
                    )}
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

function UserStatus({ user }: { user: User }) {
  if (!user.disabled && !user.locked) return <span className="badge badge-ok">active</span>;
  return (
    <>
      {user.disabled ? <span className="badge badge-muted">disabled</span> : null}
      {user.locked ? <span className="badge badge-warn">locked</span> : null}
    </>
  );
}
