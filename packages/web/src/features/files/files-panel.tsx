import type { Workspace } from '@hangar/protocol';
import { useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { FileToolbar } from './file-toolbar';
import { FileTree } from './file-tree';
import { FileViewer } from './file-viewer';
import { ancestorsOf, parentOf } from './paths';
import '../agent/agent.css'; // the code block the chat uses
import './files.css';

/**
 * The Files tab: the tree on the left (directories load as they open), the
 * chosen file on the right. The file lives in `?file=` so a reload or a shared
 * link opens it again.
 */
export function FilesPanel({ workspace, canEdit }: { workspace: Workspace; canEdit: boolean }) {
  const [params, setParams] = useSearchParams();
  const selected = params.get('file');
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(() => new Set(ancestorsOf(selected ?? '')));
  const [directory, setDirectory] = useState(() => parentOf(selected ?? ''));

  const choose = (path: string | null) =>
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (path === null) next.delete('file');
        else next.set('file', path);
        return next;
      },
      { replace: true },
    );
  const reveal = (path: string) => setExpanded((current) => new Set([...current, ...ancestorsOf(path)]));
  const toggle = (path: string) => {
    setDirectory(path);
    setExpanded((current) => {
      const next = new Set(current);
      if (next.has(path)) next.delete(path);
      else next.add(path);
      return next;
    });
  };

  return (
    <div className="files-panel">
      <nav className="files-side" aria-label="Workspace files">
        <FileToolbar
          workspaceId={workspace.id}
          directory={directory}
          canEdit={canEdit}
          onCreated={(path, type) => {
            reveal(path);
            if (type === 'file') choose(path);
            else toggle(path);
          }}
        />
        <button type="button" className="file-row file-root" onClick={() => setDirectory('')}>
          <span className="file-icon" aria-hidden="true">
            ▾
          </span>
          <span className="file-name mono">{workspace.name}</span>
        </button>
        <FileTree
          workspaceId={workspace.id}
          expanded={expanded}
          selected={selected}
          onToggle={toggle}
          onSelect={(entry) => {
            setDirectory(parentOf(entry.path));
            choose(entry.path);
          }}
        />
      </nav>
      <div className="files-main">
        {selected ? (
          <FileViewer
            key={selected}
            workspaceId={workspace.id}
            path={selected}
            canEdit={canEdit}
            onMoved={(path) => {
              reveal(path);
              choose(path);
            }}
            onDeleted={() => choose(null)}
          />
        ) : (
          <p className="muted">Choose a file to see it{canEdit ? ', edit it or replace it' : ''}.</p>
        )}
      </div>
    </div>
  );
}
