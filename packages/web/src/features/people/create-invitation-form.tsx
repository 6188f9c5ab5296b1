import type { Role } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useCreateInvitation } from '../../api/invitations';
import { ErrorAlert } from '../../components/alert';
import { Field, SelectField } from '../../components/field';
import { focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';

/** Longest validity the server accepts, in hours (30 days). */
const maxHours = 24 * 30;

/** The server may answer with a path; the person needs a link that works when pasted elsewhere. */
function absoluteUrl(url: string): string {
  return new URL(url, window.location.origin).toString();
}

export function CreateInvitationForm({ onCreated }: { onCreated: (link: string) => void }) {
  const [role, setRole] = useState<Role>('member');
  const [email, setEmail] = useState('');
  const [hours, setHours] = useState('72');
  const [errors, setErrors] = useState<FieldErrors<'email' | 'hours'>>({});
  const create = useCreateInvitation();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const trimmedEmail = email.trim();
    const expiresInHours = Number(hours);
    const found = {
      email:
        trimmedEmail !== '' && !trimmedEmail.includes('@')
          ? 'Enter an email address, or leave it empty.'
          : undefined,
      hours:
        Number.isInteger(expiresInHours) && expiresInHours >= 1 && expiresInHours <= maxHours
          ? undefined
          : `Enter a whole number of hours from 1 to ${maxHours}.`,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    create.mutate(
      { role, expiresInHours, ...(trimmedEmail === '' ? {} : { email: trimmedEmail }) },
      {
        onSuccess: (created) => {
          setEmail('');
          onCreated(absoluteUrl(created.url));
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Create an invitation">
      <SelectField
        label="Role"
        name="role"
        value={role}
        onChange={(event) => setRole(event.target.value === 'admin' ? 'admin' : 'member')}
      >
        <option value="member">Member</option>
        <option value="admin">Admin</option>
      </SelectField>
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="off"
        value={email}
        onChange={(event) => setEmail(event.target.value)}
        hint="Optional."
        error={errors.email}
      />
      <Field
        label="Expires in hours"
        name="expiresInHours"
        type="number"
        inputMode="numeric"
        min={1}
        max={maxHours}
        step={1}
        value={hours}
        onChange={(event) => setHours(event.target.value)}
        error={errors.hours}
      />
      <div className="inline-form-submit">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create invitation
        </button>
      </div>
      <ErrorAlert error={create.error} />
    </form>
  );
}
