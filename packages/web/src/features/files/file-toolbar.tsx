import { useRef, useState } from 'react';
import { isApiError } from '../../api/client';
import { downloadUrl, useCreateFile, useUploadFiles } from '../../api/files';
import { Alert, ErrorAlert } from '../../components/alert';
import { joinPath } from './paths';

interface ToolbarProps {
  workspaceId: string;
  /** Where new files and uploads go ('' for the workspace folder). */
  directory: string;
  canEdit: boolean;
  onCreated: (path: string, type: 'file' | 'directory') => void;
}

/** New file, new folder, upload into the current directory, and the directory as a zip. */
export function FileToolbar({ workspaceId, directory, canEdit, onCreated }: ToolbarProps) {
  const [creating, setCreating] = useState<'file' | 'directory' | null>(null);
  const [name, setName] = useState('');
  const create = useCreateFile(workspaceId);
  const upload = useUploadFiles(workspaceId);
  const picker = useRef<HTMLInputElement>(null);
  const [pending, setPending] = useState<File[] | null>(null);

  const sendUpload = (files: File[], overwrite: boolean) =>
    upload.mutate(
      { directory, files, overwrite },
      {
        onSuccess: () => setPending(null),
        onError: (error) => setPending(isApiError(error, 'file_exists') ? files : null),
      },
    );

  return (
    <div className="file-toolbar">
      <p className="small muted file-toolbar-where">
        In <span className="mono">{directory || '/'}</span>
      </p>
      <div className="button-row">
        {canEdit ? (
          <>
            <button type="button" className="button button-small" onClick={() => setCreating('file')}>
              New file
            </button>
            <button type="button" className="button button-small" onClick={() => setCreating('directory')}>
              New folder
            </button>
            <button
              type="button"
              className="button button-small"
              disabled={upload.isPending}
              onClick={() => picker.current?.click()}
            >
              {upload.isPending ? 'Uploading…' : 'Upload'}
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              aria-label="Files to upload"
              onChange={(event) => {
                const files = [...(event.target.files ?? [])];
                event.target.value = '';
                if (files.length) sendUpload(files, false);
              }}
            />
          </>
        ) : null}
        <a className="button button-small" href={downloadUrl(workspaceId, directory)} download>
          Download folder
        </a>
      </div>
      {creating ? (
        <form
          className="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const path = joinPath(directory, name);
            create.mutate(
              { path, type: creating },
              {
                onSuccess: () => {
                  onCreated(path, creating);
                  setCreating(null);
                  setName('');
                },
              },
            );
          }}
        >
          <label className="field">
            <span>{creating === 'file' ? 'File name' : 'Folder name'}</span>
            <input
              className="mono"
              value={name}
              onChange={(event) => setName(event.target.value)}
              autoFocus
            />
          </label>
          <button type="submit" className="button button-small button-primary" disabled={!name.trim()}>
            Create
          </button>
          <button type="button" className="button button-small" onClick={() => setCreating(null)}>
            Cancel
          </button>
        </form>
      ) : null}
      <ErrorAlert error={create.error} />
      {pending ? (
        <Alert tone="warning">
          A file of that name exists in {directory || 'the workspace folder'}.{' '}
          <button type="button" className="button button-small" onClick={() => sendUpload(pending, true)}>
            Replace it
          </button>{' '}
          <button type="button" className="button button-small" onClick={() => setPending(null)}>
            Cancel
          </button>
        </Alert>
      ) : (
        <ErrorAlert error={upload.error} />
      )}
    </div>
  );
}
