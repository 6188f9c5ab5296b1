import { displayName as displayNameSchema } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useUpdateMe } from '../../api/auth';
import { ErrorAlert, Notice } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';
import { useSession } from '../auth/session';

export function ProfileSection() {
  const { user } = useSession();
  const [displayName, setDisplayName] = useState(user.displayName);
  const [email, setEmail] = useState(user.email ?? '');
  const [errors, setErrors] = useState<FieldErrors<'displayName' | 'email'>>({});
  const update = useUpdateMe();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const trimmedEmail = email.trim();
    const found = {
      displayName: check(displayNameSchema, displayName),
      // The browser's own check is enough for a hint; the server has the last word.
      email:
        trimmedEmail !== '' && !trimmedEmail.includes('@')
          ? 'Enter an email address, or leave it empty.'
          : undefined,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    update.mutate({ displayName: displayName.trim(), email: trimmedEmail === '' ? null : trimmedEmail });
  }

  return (
    <section className="card" aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      <p className="muted small">
        Username <strong className="mono">{user.username}</strong> · role {user.role}
      </p>
      <form onSubmit={submit} noValidate className="stack narrow">
        <Field
          label="Display name"
          name="displayName"
          autoComplete="name"
          value={displayName}
          onChange={(event) => {
            setDisplayName(event.target.value);
            update.reset();
          }}
          error={errors.displayName}
        />
        <Field
          label="Email"
          name="email"
          type="email"
          autoComplete="email"
          value={email}
          onChange={(event) => {
            setEmail(event.target.value);
            update.reset();
          }}
          hint="Optional."
          error={errors.email}
        />
        <ErrorAlert error={update.error} />
        {update.isSuccess ? <Notice>Profile saved.</Notice> : null}
        <div>
          <button type="submit" className="button button-primary" disabled={update.isPending}>
            Save profile
          </button>
        </div>
      </form>
    </section>
  );
}
