import type { WorkspaceSource } from '@hangar/protocol';
import { Field } from '../../components/field';
import type { PathErrors } from '../../components/validation';

export type SourceType = WorkspaceSource['type'];

export interface SourceValues {
  type: SourceType;
  url: string;
  branch: string;
  path: string;
  baseRef: string;
}

export const emptySource: SourceValues = { type: 'empty', url: '', branch: '', path: '', baseRef: '' };

const CHOICES: Array<{ type: SourceType; label: string }> = [
  { type: 'empty', label: 'Empty' },
  { type: 'git', label: 'Git repository' },
  { type: 'local', label: 'Local repository' },
];

/** The request's `source`, leaving out optional fields left empty. */
export function sourceBody(values: SourceValues): WorkspaceSource {
  const branch = values.branch.trim();
  const baseRef = values.baseRef.trim();
  switch (values.type) {
    case 'empty':
      return { type: 'empty' };
    case 'git':
      return { type: 'git', url: values.url.trim(), ...(branch ? { branch } : {}) };
    case 'local':
      return { type: 'local', path: values.path.trim(), ...(baseRef ? { baseRef } : {}) };
  }
}

/** Friendlier words than the schema's for a required field left empty. */
export function missingSourceFields(values: SourceValues): PathErrors {
  if (values.type === 'git' && values.url.trim() === '')
    return { 'source.url': 'Enter the URL of the Git repository to clone.' };
  if (values.type === 'local' && values.path.trim() === '')
    return { 'source.path': 'Enter the path of a repository on the server.' };
  return {};
}

interface SourceFieldsProps {
  values: SourceValues;
  /** Whether the server has roots for local repositories; without one the choice is not offered. */
  localRepositories: boolean;
  errors: PathErrors;
  onChange: (values: SourceValues) => void;
}

export function SourceFields({ values, localRepositories, errors, onChange }: SourceFieldsProps) {
  const set = (key: keyof SourceValues, value: string) => onChange({ ...values, [key]: value });
  return (
    <>
      <fieldset className="choice-group">
        <legend>Source</legend>
        {CHOICES.filter((choice) => choice.type !== 'local' || localRepositories).map((choice) => (
          <label key={choice.type} className="choice">
            <input
              type="radio"
              name="sourceType"
              value={choice.type}
              checked={values.type === choice.type}
              onChange={() => set('type', choice.type)}
            />
            {choice.label}
          </label>
        ))}
      </fieldset>
      {values.type === 'git' ? (
        <>
          <Field
            label="Git URL"
            name="gitUrl"
            autoComplete="off"
            spellCheck={false}
            placeholder="https://github.com/owner/repo.git"
            value={values.url}
            onChange={(event) => set('url', event.target.value)}
            hint="Cloned without running any hook or filter from the repository."
            error={errors['source.url']}
          />
          <Field
            label="Branch"
            name="branch"
            autoComplete="off"
            spellCheck={false}
            value={values.branch}
            onChange={(event) => set('branch', event.target.value)}
            hint="Leave empty for the repository's default branch."
            error={errors['source.branch']}
          />
        </>
      ) : null}
      {values.type === 'local' ? (
        <>
          <Field
            label="Repository path"
            name="repositoryPath"
            autoComplete="off"
            spellCheck={false}
            placeholder="/srv/repos/project"
            value={values.path}
            onChange={(event) => set('path', event.target.value)}
            hint="A Git repository on the server, under a root an admin allowed. The workspace gets its own worktree."
            error={errors['source.path']}
          />
          <Field
            label="Base ref"
            name="baseRef"
            autoComplete="off"
            spellCheck={false}
            value={values.baseRef}
            onChange={(event) => set('baseRef', event.target.value)}
            hint="Where the workspace's new branch starts; leave empty for HEAD."
            error={errors['source.baseRef']}
          />
        </>
      ) : null}
    </>
  );
}
