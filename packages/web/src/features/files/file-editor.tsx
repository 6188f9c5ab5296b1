import type { FileContent } from '@hangar/protocol';
import { useState } from 'react';
import { isApiError } from '../../api/client';
import { useSaveFile } from '../../api/files';
import { Alert, ErrorAlert } from '../../components/alert';

interface EditorProps {
  workspaceId: string;
  file: FileContent;
  /** Loads the file again (its latest content and ETag). */
  onReload: () => void;
  onClose: () => void;
}

/**
 * A small-edit editor: a textarea saved whole with If-Match, so an edit made
 * on an old version is refused (412) instead of silently overwriting someone
 * else's save. On a conflict the draft stays, and the person chooses.
 */
export function FileEditor({ workspaceId, file, onReload, onClose }: EditorProps) {
  const [draft, setDraft] = useState(file.content ?? '');
  const save = useSaveFile(workspaceId);
  const conflict = isApiError(save.error, 'file_changed');
  const changed = draft !== file.content;

  return (
    <form
      className="file-editor"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({ path: file.path, content: draft, etag: file.etag }, { onSuccess: onClose });
      }}
    >
      {conflict ? (
        <Alert tone="warning">
          <strong>Someone else saved this file after you opened it.</strong> Your edit is still below and was
          not saved. Copy what you need, then load their version and apply your change again.
          <div className="button-row">
            <button type="button" className="button button-small" onClick={onReload}>
              Load their version (drops your edit)
            </button>
          </div>
        </Alert>
      ) : (
        <ErrorAlert error={save.error} />
      )}
      <label className="visually-hidden" htmlFor="file-editor-text">
        Content of {file.path}
      </label>
      <textarea
        id="file-editor-text"
        className="file-editor-text mono"
        value={draft}
        spellCheck={false}
        onChange={(event) => setDraft(event.target.value)}
        rows={Math.min(30, Math.max(8, draft.split('\n').length + 1))}
      />
      <div className="button-row">
        <button
          type="submit"
          className="button button-primary"
          disabled={!changed || save.isPending || conflict}
        >
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="button" onClick={onClose}>
          {changed ? 'Discard' : 'Close'}
        </button>
      </div>
    </form>
  );
}
