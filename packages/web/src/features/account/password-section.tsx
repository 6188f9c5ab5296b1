import { password as passwordSchema } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useChangePassword } from '../../api/auth';
import { resourceKeys } from '../../api/keys';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';

const passwordMessages: Partial<Record<string, string>> = {
  wrong_password: 'The current password is wrong.',
};

export function PasswordSection() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  // Off by default, as on the server: a password change keeps the CLI and scripts working.
  const [revokeTokens, setRevokeTokens] = useState(false);
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<FieldErrors<'currentPassword' | 'newPassword'>>({});
  const change = useChangePassword();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const found = {
      currentPassword: currentPassword === '' ? 'Enter your current password.' : undefined,
      newPassword:
        check(passwordSchema, newPassword) ??
        (newPassword === currentPassword ? 'Choose a password different from the current one.' : undefined),
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    change.mutate(
      { currentPassword, newPassword, revokeTokens },
      {
        onSuccess: () => {
          setCurrentPassword('');
          setNewPassword('');
          setRevokeTokens(false);
          if (revokeTokens) void queryClient.invalidateQueries({ queryKey: resourceKeys.tokens });
        },
      },
    );
  }

  return (
    <section className="card" aria-labelledby="password-heading">
      <h2 id="password-heading">Password</h2>
      <form onSubmit={submit} noValidate className="stack narrow">
        <Field
          label="Current password"
          name="currentPassword"
          type="password"
          autoComplete="current-password"
          value={currentPassword}
          onChange={(event) => setCurrentPassword(event.target.value)}
          error={errors.currentPassword}
        />
        <Field
          label="New password"
          name="newPassword"
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={(event) => setNewPassword(event.target.value)}
          hint="At least 10 characters."
          error={errors.newPassword}
        />
        <label className="choice">
          <input
            type="checkbox"
            name="revokeTokens"
            checked={revokeTokens}
            onChange={(event) => setRevokeTokens(event.target.checked)}
          />{' '}
          Also revoke all my API tokens (the CLI and scripts must log in again)
        </label>
        <ErrorAlert error={change.error} overrides={passwordMessages} />
        {change.isSuccess ? (
          <Notice>
            Password changed
            {change.variables.revokeTokens
              ? ', and every API token revoked.'
              : '; your API tokens still work.'}
          </Notice>
        ) : null}
        <div>
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}
