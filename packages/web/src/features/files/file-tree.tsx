import type { FileEntry } from '@hangar/protocol';
import { useDirectory } from '../../api/files';
import { errorMessage } from '../../components/alert';

interface TreeProps {
  workspaceId: string;
  expanded: ReadonlySet<string>;
  selected: string | null;
  onToggle: (path: string) => void;
  onSelect: (entry: FileEntry) => void;
}

/** The workspace's files; a directory's entries are fetched when it is first expanded. */
export function FileTree(props: TreeProps) {
  // A tree must hold tree items: while the top level loads it is marked busy; an empty one is a note.
  const root = useDirectory(props.workspaceId, '');
  if (root.data?.entries.length === 0) return <p className="muted small file-tree-note">No files yet.</p>;
  return (
    <div className="file-tree" role="tree" aria-label="Files" aria-busy={root.isPending}>
      <DirectoryEntries {...props} path="" depth={0} />
    </div>
  );
}

function DirectoryEntries(props: TreeProps & { path: string; depth: number }) {
  const { workspaceId, path, depth } = props;
  const listing = useDirectory(workspaceId, path);
  if (listing.isPending) return <p className="muted small file-tree-note">Loading…</p>;
  if (listing.error) return <p className="small file-tree-note">{errorMessage(listing.error)}</p>;
  const { entries, truncated } = listing.data;
  return (
    <ul role="group" className="file-tree-group">
      {entries.length === 0 ? (
        <li role="none" className="muted small file-tree-note">
          Empty
        </li>
      ) : null}
      {entries.map((entry) => (
        <Entry key={entry.name} {...props} entry={entry} depth={depth} />
      ))}
      {truncated ? (
        <li role="none" className="muted small file-tree-note">
          More entries are not shown.
        </li>
      ) : null}
    </ul>
  );
}

function Entry(props: TreeProps & { entry: FileEntry; depth: number }) {
  const { entry, depth, expanded, selected, onToggle, onSelect } = props;
  const isDirectory = entry.type === 'directory';
  const open = isDirectory && expanded.has(entry.path);
  const indent = { paddingLeft: `${0.25 + depth * 0.9}rem` };
  if (entry.type === 'symlink' || entry.type === 'other') {
    // Links are shown for what they are; Hangar never follows them.
    return (
      <li role="treeitem" aria-selected={false}>
        <span
          className="file-row file-row-inert"
          style={indent}
          title={entry.target ? `→ ${entry.target}` : undefined}
        >
          <span className="file-icon" aria-hidden="true">
            {entry.type === 'symlink' ? '↪' : '·'}
          </span>
          <span className="file-name">{entry.name}</span>
          {entry.target ? <span className="muted small file-target">→ {entry.target}</span> : null}
        </span>
      </li>
    );
  }
  return (
    <li
      role="treeitem"
      aria-expanded={isDirectory ? open : undefined}
      aria-selected={selected === entry.path}
    >
      <button
        type="button"
        className={`file-row${selected === entry.path ? ' file-row-current' : ''}`}
        style={indent}
        onClick={() => (isDirectory ? onToggle(entry.path) : onSelect(entry))}
      >
        <span className="file-icon" aria-hidden="true">
          {isDirectory ? (open ? '▾' : '▸') : ''}
        </span>
        <span className="file-name">{entry.name}</span>
      </button>
      {open ? <DirectoryEntries {...props} path={entry.path} depth={depth + 1} /> : null}
    </li>
  );
}
