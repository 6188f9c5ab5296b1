import { createWorkspaceRequest, type CreateWorkspaceRequest } from '@hangar/protocol';
import { useRef, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { useCreateWorkspace, useTemplates } from '../../api/workspaces';
import { Alert, ErrorAlert } from '../../components/alert';
import { Field } from '../../components/field';
import { Modal } from '../../components/modal';
import {
  checkBody,
  focusFirstInvalid,
  hasErrors,
  serverBodyErrors,
  type PathErrors,
} from '../../components/validation';
import { emptySource, missingSourceFields, SourceFields, sourceBody } from './source-fields';
import { TemplateField } from './template-field';
import { workspaceUrl } from './workspace-list';

/** Body paths that have a field in this form; a problem elsewhere is shown above the buttons. */
const FIELD_PATHS = ['name', 'source.url', 'source.branch', 'source.path', 'source.baseRef', 'template'];

/** An edited field's old error would mislead; the next submit checks it again. */
function withoutSource(errors: PathErrors): PathErrors {
  return Object.fromEntries(Object.entries(errors).filter(([path]) => !path.startsWith('source')));
}

export function CreateWorkspaceDialog({ onClose }: { onClose: () => void }) {
  const navigate = useNavigate();
  const create = useCreateWorkspace();
  const formRef = useRef<HTMLFormElement>(null);
  const [name, setName] = useState('');
  const [source, setSource] = useState(emptySource);
  const [template, setTemplate] = useState('');
  const [errors, setErrors] = useState<PathErrors>({});
  const templates = useTemplates();

  function showErrors(found: PathErrors): void {
    setErrors(found);
    if (formRef.current) focusFirstInvalid(formRef.current);
  }

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const body: CreateWorkspaceRequest = {
      name: name.trim(),
      source: sourceBody(source),
      ...(template ? { template } : {}),
    };
    const found = { ...checkBody(createWorkspaceRequest, body), ...missingSourceFields(source) };
    if (hasErrors(found)) {
      create.reset();
      showErrors(found);
      return;
    }
    setErrors({});
    create.mutate(body, {
      onSuccess: (workspace) => void navigate(workspaceUrl(workspace.id)),
      onError: (error) => showErrors(serverBodyErrors(error)),
    });
  }

  // The server's own message already names any field this form lacks.
  const otherProblems = create.error
    ? []
    : Object.entries(errors).filter(([path]) => !FIELD_PATHS.includes(path));
  const serverNamedAField = Object.keys(serverBodyErrors(create.error)).some((path) =>
    FIELD_PATHS.includes(path),
  );

  return (
    <Modal title="New workspace" onClose={onClose}>
      <form ref={formRef} onSubmit={submit} noValidate className="stack">
        <Field
          label="Name"
          name="name"
          autoComplete="off"
          spellCheck={false}
          value={name}
          onChange={(event) => {
            setName(event.target.value);
            setErrors(({ name: _fixed, ...rest }) => rest);
          }}
          hint="Lowercase letters, digits and “-”, e.g. “billing-api”."
          error={errors.name}
        />
        <SourceFields
          values={source}
          localRepositories={templates.data?.localRepositories === true}
          errors={errors}
          onChange={(values) => {
            setSource(values);
            setErrors((found) => withoutSource(found));
          }}
        />
        <TemplateField
          value={template}
          error={errors.template}
          onChange={(value) => {
            setTemplate(value);
            setErrors(({ template: _fixed, ...rest }) => rest);
          }}
        />
        {otherProblems.map(([path, message]) => (
          <Alert key={path}>
            {path ? `${path}: ` : ''}
            {message}
          </Alert>
        ))}
        {serverNamedAField ? null : <ErrorAlert error={create.error} />}
        <div className="button-row">
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create workspace'}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
