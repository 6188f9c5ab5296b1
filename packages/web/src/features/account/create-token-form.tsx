import { createTokenRequest, type CreatedToken } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useCreateToken } from '../../api/tokens';
import { ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { check, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';

export function CreateTokenForm({ onCreated }: { onCreated: (created: CreatedToken) => void }) {
  const [name, setName] = useState('');
  const [days, setDays] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'name' | 'days'>>({});
  const create = useCreateToken();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const expiresInDays = days.trim() === '' ? undefined : Number(days);
    const found = {
      name: check(createTokenRequest.shape.name, name),
      days: check(createTokenRequest.shape.expiresInDays, expiresInDays)
        ? 'Enter a whole number of days from 1 to 3650, or leave it empty.'
        : undefined,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    create.mutate(
      { name: name.trim(), ...(expiresInDays === undefined ? {} : { expiresInDays }) },
      {
        onSuccess: (created) => {
          setName('');
          setDays('');
          onCreated(created);
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Create an API token">
      <Field
        label="Token name"
        name="tokenName"
        autoComplete="off"
        value={name}
        onChange={(event) => setName(event.target.value)}
        hint="What it is for, e.g. “laptop CLI”."
        error={errors.name}
      />
      <Field
        label="Expires in days"
        name="expiresInDays"
        type="number"
        inputMode="numeric"
        min={1}
        max={3650}
        step={1}
        value={days}
        onChange={(event) => setDays(event.target.value)}
        hint="Leave empty for a token that never expires."
        error={errors.days}
      />
      <div className="inline-form-submit">
        <button type="submit" className="button button-primary" disabled={create.isPending}>
          Create token
        </button>
      </div>
      <ErrorAlert error={create.error} />
    </form>
  );
}
