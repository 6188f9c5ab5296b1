import type { FileDiffSummary } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { diffKeys, useTurnDiff, useTurns } from '../../api/diff';
import { ErrorAlert } from '../../components/alert';
import { FileList } from './file-list';
import { PatchView } from './patch-view';
import './diff.css';

/** How long after a status change to look for the turn's recorded diff again, in milliseconds. */
const RECORD_DELAY_MS = 2_000;

/**
 * Keeps a session's per-turn diffs fresh: fetched again whenever the
 * session's status moves (a turn ends), since turn diffs are recorded as
 * turns finish.
 */
export function useTurnDiffsFresh(sessionId: string, status: string | null): void {
  const client = useQueryClient();
  useEffect(() => {
    if (!status) return;
    const refresh = () => void client.invalidateQueries({ queryKey: diffKeys.turns(sessionId), exact: true });
    refresh();
    // A turn's diff is recorded just after the turn ends (git runs in the sandbox): look again shortly.
    const later = setTimeout(refresh, RECORD_DELAY_MS);
    return () => clearTimeout(later);
  }, [status, sessionId, client]);
}

/**
 * What one finished turn changed, shown in the chat right after the turn: its
 * file count and line counts, which open to the files and their patches.
 * Nothing when the turn changed nothing (or its diff is not recorded yet).
 */
export function TurnChangesRow({ sessionId, turnId }: { sessionId: string; turnId: string }) {
  const turns = useTurns(sessionId);
  const turn = turns.data?.find((t) => t.turnId === turnId);
  if (!turn || turn.files.length === 0) return null;
  const count = turn.files.length;
  return (
    <div className="chat-item turn-changes">
      <TurnEntry
        sessionId={sessionId}
        turnId={turnId}
        label={`Changes in this turn: ${count} file${count === 1 ? '' : 's'}`}
        files={turn.files}
        additions={turn.additions}
        deletions={turn.deletions}
      />
    </div>
  );
}

interface TurnEntryProps {
  sessionId: string;
  turnId: string;
  label: string;
  files: FileDiffSummary[];
  additions: number;
  deletions: number;
}

function TurnEntry({ sessionId, turnId, label, files, additions, deletions }: TurnEntryProps) {
  const [open, setOpen] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  // The patches load only once someone opens the turn.
  const diff = useTurnDiff(open ? sessionId : null, open ? turnId : null);
  const file = diff.data?.files.find((f) => f.path === selected) ?? null;
  return (
    <details onToggle={(event) => setOpen(event.currentTarget.open)}>
      <summary className="small">
        {label} · <span className="diff-add">+{additions}</span>{' '}
        <span className="diff-del">−{deletions}</span>
      </summary>
      <FileList
        files={files}
        selected={selected}
        onSelect={(path) => setSelected(path === selected ? null : path)}
      />
      <ErrorAlert error={diff.error} />
      {file ? <PatchView file={file} layout="unified" /> : null}
    </details>
  );
}
