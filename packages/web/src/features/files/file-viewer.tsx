import { useState } from 'react';
import { isApiError } from '../../api/client';
import { downloadUrl, useDeleteFile, useFileContent, useMoveFile } from '../../api/files';
import { Alert, ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { formatBytes } from '../../components/format';
import { CodeBlock } from '../agent/markdown-view';
import { FileEditor } from './file-editor';
import { baseName } from './paths';

/** Above this many characters the viewer shows plain text: highlighting would make the page sluggish. */
const HIGHLIGHT_LIMIT = 200_000;

interface ViewerProps {
  workspaceId: string;
  path: string;
  canEdit: boolean;
  onMoved: (path: string) => void;
  onDeleted: () => void;
}

/** One file: highlighted text (or a note for binary and large ones), with download, edit, rename, delete. */
export function FileViewer({ workspaceId, path, canEdit, onMoved, onDeleted }: ViewerProps) {
  const file = useFileContent(workspaceId, path);
  const [editing, setEditing] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const remove = useDeleteFile(workspaceId);

  const actions = (
    <div className="button-row file-actions">
      <a className="button button-small" href={downloadUrl(workspaceId, path)} download>
        Download
      </a>
      {canEdit && file.data && !file.data.binary && !editing ? (
        <button type="button" className="button button-small" onClick={() => setEditing(true)}>
          Edit
        </button>
      ) : null}
      {canEdit ? (
        <button type="button" className="button button-small" onClick={() => setRenaming((r) => !r)}>
          Rename
        </button>
      ) : null}
      {canEdit ? (
        <ConfirmButton
          label="Delete"
          prompt={`Delete ${baseName(path)}?`}
          confirmLabel="Delete"
          className="button button-small button-danger-quiet"
          onConfirm={() => remove.mutate({ path, recursive: false }, { onSuccess: onDeleted })}
        />
      ) : null}
    </div>
  );

  return (
    <section className="file-viewer" aria-label={`File ${path}`}>
      <header className="file-viewer-head">
        <h3 className="file-path mono">{path}</h3>
        {file.data ? (
          <span className="muted small">
            {formatBytes(file.data.size)}
            {file.data.language ? ` · ${file.data.language}` : ''}
          </span>
        ) : null}
        {actions}
      </header>
      {renaming ? (
        <RenameForm
          workspaceId={workspaceId}
          path={path}
          onDone={(to) => {
            setRenaming(false);
            if (to) onMoved(to);
          }}
        />
      ) : null}
      <ErrorAlert error={remove.error} />
      {file.isPending ? <p className="muted">Loading…</p> : null}
      {file.error ? (
        isApiError(file.error, 'file_too_large') ? (
          <p className="muted">{file.error.message}</p>
        ) : (
          <ErrorAlert error={file.error} />
        )
      ) : null}
      {file.data?.binary ? <p className="muted">A binary file: download it to open it.</p> : null}
      {file.data && !file.data.binary ? (
        editing ? (
          <FileEditor
            key={file.data.etag}
            workspaceId={workspaceId}
            file={file.data}
            onReload={() => void file.refetch()}
            onClose={() => setEditing(false)}
          />
        ) : (file.data.content ?? '').length > HIGHLIGHT_LIMIT ? (
          <pre className="code-block file-code" tabIndex={0}>
            {file.data.content}
          </pre>
        ) : (
          <div className="file-code">
            <CodeBlock code={file.data.content ?? ''} lang={file.data.language ?? ''} />
          </div>
        )
      ) : null}
    </section>
  );
}

function RenameForm({
  workspaceId,
  path,
  onDone,
}: {
  workspaceId: string;
  path: string;
  onDone: (to: string | null) => void;
}) {
  const [to, setTo] = useState(path);
  const move = useMoveFile(workspaceId);
  return (
    <form
      className="inline-form file-rename"
      onSubmit={(event) => {
        event.preventDefault();
        if (to === path) return onDone(null);
        move.mutate({ from: path, to }, { onSuccess: (entry) => onDone(entry.path) });
      }}
    >
      <label className="field">
        <span>New path</span>
        <input className="mono" value={to} onChange={(event) => setTo(event.target.value)} autoFocus />
      </label>
      <button type="submit" className="button button-small button-primary" disabled={move.isPending}>
        Rename
      </button>
      <button type="button" className="button button-small" onClick={() => onDone(null)}>
        Cancel
      </button>
      {move.error ? <Alert>{move.error.message}</Alert> : null}
    </form>
  );
}
