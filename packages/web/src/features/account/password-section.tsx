import { password as passwordSchema } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useChangePassword } from '../../api/auth';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';

const passwordMessages: Partial<Record<string, string>> = {
  wrong_password: 'The current password is wrong.',
};

export function PasswordSection() {
  const [currentPassword, setCurrentPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
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
      { currentPassword, newPassword },
      {
        onSuccess: () => {
          setCurrentPassword('');
          setNewPassword('');
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
        <ErrorAlert error={change.error} overrides={passwordMessages} />
        {change.isSuccess ? <Notice>Password changed.</Notice> : null}
        <div>
          <button type="submit" className="button button-primary" disabled={change.isPending}>
            Change password
          </button>
        </div>
      </form>
    </section>
  );
}
