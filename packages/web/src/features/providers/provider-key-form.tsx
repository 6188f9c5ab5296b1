import { setProviderKeyRequest } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useRemoveProviderKey, useSetProviderKey, type Provider } from '../../api/providers';
import { ErrorAlert, Notice } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { Field } from '../../components/field';
import { check, focusFirstInvalid } from '../../components/validation';

function keyHint(provider: Provider): string {
  if (provider.keySource === 'admin') return 'A key saved here is in use. Saving another replaces it.';
  if (provider.keySource === 'environment')
    return 'The server’s environment provides a key; one saved here takes its place.';
  return 'Stored encrypted on the server and never shown again.';
}

/**
 * Sets or removes one provider's key. The key is write-only: it lives in this
 * form's state until it is saved, then the field is emptied.
 */
export function ProviderKeyForm({ provider }: { provider: Provider }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | null>(null);
  const save = useSetProviderKey();
  const remove = useRemoveProviderKey();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    setNotice(null);
    const problem = check(setProviderKeyRequest.shape.key, key);
    setError(problem);
    if (problem) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    remove.reset();
    save.mutate(
      { name: provider.name, key: key.trim() },
      {
        onSuccess: () => {
          setKey('');
          setNotice(`Key for ${provider.label} saved.`);
        },
      },
    );
  }

  function removeKey(): void {
    setNotice(null);
    save.reset();
    remove.mutate(provider.name, { onSuccess: () => setNotice(`Key for ${provider.label} removed.`) });
  }

  return (
    <form
      onSubmit={submit}
      noValidate
      className="inline-form provider-key-form"
      aria-label={`Key for ${provider.label}`}
    >
      <Field
        label={`API key for ${provider.label}`}
        name={`key-${provider.name}`}
        type="password"
        autoComplete="off"
        spellCheck={false}
        value={key}
        onChange={(event) => setKey(event.target.value)}
        hint={keyHint(provider)}
        error={error}
      />
      <div className="inline-form-submit button-row">
        <button type="submit" className="button button-primary" disabled={save.isPending}>
          Save key
        </button>
        {/* Only a key saved here can be removed; one from the environment stays until the server restarts without it. */}
        {provider.keySource === 'admin' ? (
          <ConfirmButton
            label="Remove key"
            prompt={`Remove the key for ${provider.label}?`}
            confirmLabel="Confirm remove"
            disabled={remove.isPending}
            onConfirm={removeKey}
          />
        ) : null}
      </div>
      <ErrorAlert error={save.error ?? remove.error} />
      {notice ? <Notice>{notice}</Notice> : null}
    </form>
  );
}
