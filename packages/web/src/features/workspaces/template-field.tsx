import type { template } from '@hangar/protocol';
import { useTemplates } from '../../api/workspaces';
import { errorMessage } from '../../components/alert';
import { SelectField } from '../../components/field';

interface TemplateFieldProps {
  /** The chosen template's name; empty for the server's default. */
  value: string;
  error: string | undefined;
  onChange: (value: string) => void;
}

// The protocol exports the schema only; its parse result is the type.
type Template = ReturnType<typeof template.parse>;

function optionText(template: Template, defaultName: string | undefined): string {
  return [
    template.name,
    template.name === defaultName && template.name !== 'default' ? ' (default)' : '',
    template.isolated ? '' : ' — not isolated',
    template.unavailable ? ` — unavailable: ${template.unavailable}` : '',
  ].join('');
}

/** Templates the server offers; those it cannot run now are listed, disabled, with the reason. */
export function TemplateField({ value, error, onChange }: TemplateFieldProps) {
  const templates = useTemplates();
  const list = templates.data?.templates ?? [];
  const chosenName = value || templates.data?.defaultTemplate;
  const chosen = list.find((template) => template.name === chosenName);

  const hint = templates.isError ? (
    `Templates could not be loaded (${errorMessage(templates.error)}); the server's default is used.`
  ) : chosen ? (
    <>
      {chosen.description} Driver {chosen.driver}, network {chosen.network}.
      {chosen.isolated ? null : (
        <strong> Not isolated: commands run unconfined as the Hangar server's user.</strong>
      )}
    </>
  ) : undefined;

  return (
    <SelectField
      label="Template"
      name="template"
      value={chosenName ?? ''}
      disabled={!templates.data}
      onChange={(event) => onChange(event.target.value)}
      hint={hint}
      error={error}
    >
      {templates.data ? null : (
        <option value="">{templates.isPending ? 'Loading…' : 'Server default'}</option>
      )}
      {list.map((template) => (
        <option key={template.name} value={template.name} disabled={template.unavailable !== null}>
          {optionText(template, templates.data?.defaultTemplate)}
        </option>
      ))}
    </SelectField>
  );
}
