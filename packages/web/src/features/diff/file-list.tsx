import type { FileChangeStatus, FileDiffSummary } from '@hangar/protocol';
import { useState } from 'react';
import { displayPath } from './patch';

/** Rows drawn at first and added by "Show more": a diff of thousands of files stays quick to render. */
const PAGE = 500;

const STATUS: Record<FileChangeStatus, { letter: string; label: string }> = {
  added: { letter: 'A', label: 'added' },
  modified: { letter: 'M', label: 'modified' },
  deleted: { letter: 'D', label: 'deleted' },
  renamed: { letter: 'R', label: 'renamed' },
  untracked: { letter: 'U', label: 'new, untracked' },
};

interface FileListProps {
  files: readonly FileDiffSummary[];
  selected: string | null;
  onSelect: (path: string) => void;
  /** Given when files can be picked for a commit. */
  picks?: { has: (path: string) => boolean; toggle: (path: string) => void };
}

/** The changed files with their status and line counts; a checkbox each when committing. */
export function FileList({ files, selected, onSelect, picks }: FileListProps) {
  const [shown, setShown] = useState(PAGE);
  return (
    <>
      <ul className="diff-file-list" aria-label="Changed files">
        {files.slice(0, shown).map((file) => {
          const status = STATUS[file.status];
          const name = displayPath(file);
          return (
            <li
              key={file.path}
              className={`diff-file-row${file.path === selected ? ' diff-file-row-current' : ''}`}
            >
              {picks ? (
                <input
                  type="checkbox"
                  aria-label={`Include ${file.path} in the commit`}
                  checked={picks.has(file.path)}
                  onChange={() => picks.toggle(file.path)}
                />
              ) : null}
              <button
                type="button"
                className="diff-file-pick"
                aria-current={file.path === selected ? 'true' : undefined}
                onClick={() => onSelect(file.path)}
                title={`${name} (${status.label})`}
              >
                <span className={`diff-status diff-status-${file.status}`} aria-hidden="true">
                  {status.letter}
                </span>
                <span className="mono diff-file-path">
                  <bdi dir="ltr">{name}</bdi>
                </span>
                <span className="visually-hidden">
                  {`, ${status.label}, `}
                  {file.binary ? 'binary' : `${file.additions} added, ${file.deletions} removed`}
                </span>
                <span className="diff-counts small" aria-hidden="true">
                  {file.binary ? (
                    <span className="muted">binary</span>
                  ) : (
                    <>
                      <span className="diff-add">+{file.additions}</span>{' '}
                      <span className="diff-del">−{file.deletions}</span>
                    </>
                  )}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {files.length > shown ? (
        <button type="button" className="button button-small" onClick={() => setShown((n) => n + PAGE)}>
          Show more ({files.length - shown} of {files.length} files not listed)
        </button>
      ) : null}
    </>
  );
}
