import type { FileDiff, Workspace } from '@hangar/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { useTurnDiff, useTurns } from '../../api/diff';
import { gitKeys, useGitInit } from '../../api/git';
import { ErrorAlert } from '../../components/alert';
import { BranchBar } from './branch-bar';
import { CommitForm } from './commit-form';
import { FileList } from './file-list';
import { PatchView, type DiffLayout } from './patch-view';
import { PullRequests } from './pull-requests';
import { TurnPicker, type DiffSource } from './turn-picker';
import { useLiveDiff, type LiveDiff } from './use-live-diff';
import './diff.css';

/** Where the reader's unified or split choice is kept between visits. */
const LAYOUT_KEY = 'hangar.diff.layout';

function savedLayout(): DiffLayout {
  try {
    return localStorage.getItem(LAYOUT_KEY) === 'split' ? 'split' : 'unified';
  } catch {
    return 'unified';
  }
}

const MODE_TEXT: Record<LiveDiff['mode'], string> = {
  connecting: 'Connecting…',
  live: 'Live',
  polling: 'Reconnecting (polling)',
  stopped: 'Workspace not running',
};

/**
 * The Diff tab: what changed in the workspace against HEAD, live, or what
 * one agent turn changed; the branch, a commit and push form, and pull
 * requests. Viewers see the changes and the branch, without the forms.
 */
export function DiffPanel({ workspace, canEdit }: { workspace: Workspace; canEdit: boolean }) {
  const live = useLiveDiff(workspace.id, workspace.state === 'running');
  const [source, setSource] = useState<DiffSource>({ kind: 'live' });
  const [layout, setLayout] = useState<DiffLayout>(savedLayout);
  const chooseLayout = (value: DiffLayout) => {
    setLayout(value);
    try {
      localStorage.setItem(LAYOUT_KEY, value);
    } catch {
      // Storage off (a private window's policy): the choice lasts for this visit.
    }
  };
  // The file shown lives in `?diff=`, so a link opens it (and the Diff tab).
  const [params, setParams] = useSearchParams();
  const selected = params.get('diff');
  const setSelected = (path: string) =>
    setParams(
      (now) => {
        const next = new URLSearchParams(now);
        next.set('diff', path);
        return next;
      },
      { replace: true },
    );
  // Files left out of the next commit; new files are in until unticked.
  const [excluded, setExcluded] = useState<ReadonlySet<string>>(new Set());

  const sessionId = source.kind === 'turn' ? source.sessionId : null;
  const turns = useTurns(sessionId);
  const turnId = source.kind === 'turn' ? (source.turnId ?? turns.data?.at(-1)?.turnId ?? null) : null;
  const turn = useTurnDiff(sessionId, turnId);

  // A commit or checkout made anywhere (a terminal, an agent) moves HEAD: refresh the branch picture.
  const client = useQueryClient();
  const head = live.diff?.head;
  const lastHead = useRef(head);
  useEffect(() => {
    if (lastHead.current !== undefined && head !== lastHead.current) {
      void client.invalidateQueries({ queryKey: gitKeys.all(workspace.id) });
    }
    lastHead.current = head;
  }, [head, client, workspace.id]);

  const shown = source.kind === 'live' ? live.diff : (turn.data ?? null);
  const files: readonly FileDiff[] = useMemo(() => shown?.files ?? [], [shown]);
  const current = files.find((file) => file.path === selected) ?? files[0] ?? null;
  // Unknown (undefined) until the first diff: nothing that needs a repository is asked before then.
  const repository = live.diff?.repository;
  const picked = files.filter((file) => !excluded.has(file.path)).map((file) => file.path);
  const committing = canEdit && source.kind === 'live' && repository === true && live.mode !== 'stopped';
  const noRepository = source.kind === 'live' && repository === false;

  const picks = committing
    ? {
        has: (path: string) => !excluded.has(path),
        toggle: (path: string) =>
          setExcluded((now) => {
            const next = new Set(now);
            if (next.has(path)) next.delete(path);
            else next.add(path);
            return next;
          }),
      }
    : undefined;

  return (
    <div className="diff-panel">
      <div className="diff-toolbar">
        <TurnPicker workspaceId={workspace.id} source={source} onChange={setSource} />
        <div className="diff-layout" role="group" aria-label="Layout">
          {(['unified', 'split'] as const).map((value) => (
            <button
              key={value}
              type="button"
              className="button button-small"
              aria-pressed={layout === value}
              onClick={() => chooseLayout(value)}
            >
              {value === 'unified' ? 'Unified' : 'Split'}
            </button>
          ))}
        </div>
        {source.kind === 'live' && !noRepository ? (
          <span className={`badge ${live.mode === 'live' ? 'badge-ok' : 'badge-muted'}`} role="status">
            {MODE_TEXT[live.mode]}
          </span>
        ) : null}
      </div>

      {repository === true ? (
        <BranchBar workspaceId={workspace.id} canEdit={canEdit && live.mode !== 'stopped'} />
      ) : null}

      {source.kind === 'live' ? (
        <>
          {live.error ? <p className="alert alert-error">{live.error}</p> : null}
          {noRepository ? (
            <NoRepository workspaceId={workspace.id} canInit={canEdit && live.mode !== 'stopped'} />
          ) : null}
        </>
      ) : (
        <ErrorAlert error={turns.error ?? turn.error} />
      )}

      {shown && !noRepository ? (
        <p className="diff-summary" aria-live="polite">
          {files.length === 0
            ? source.kind === 'live'
              ? 'No changes: the working tree matches HEAD.'
              : 'This turn changed no files.'
            : `${files.length} file${files.length === 1 ? '' : 's'} changed`}
          {files.length > 0 ? (
            <>
              , <span className="diff-add">+{shown.additions}</span>{' '}
              <span className="diff-del">−{shown.deletions}</span>
            </>
          ) : null}
          {shown.truncated ? <span className="muted small"> · some patches are cut short</span> : null}
        </p>
      ) : source.kind === 'live' && !shown && live.mode !== 'stopped' && !live.error ? (
        <p className="muted">Loading changes…</p>
      ) : null}

      {files.length > 0 ? (
        <div className="diff-body">
          <div className="diff-side">
            <FileList files={files} selected={current?.path ?? null} onSelect={setSelected} picks={picks} />
          </div>
          <div className="diff-main">{current ? <PatchView file={current} layout={layout} /> : null}</div>
        </div>
      ) : null}

      {committing ? <CommitForm workspaceId={workspace.id} files={picked} total={files.length} /> : null}
      {repository === true && live.mode !== 'stopped' ? (
        <PullRequests workspaceId={workspace.id} canEdit={canEdit} />
      ) : null}
    </div>
  );
}

/** The one state of a workspace without a repository; editors can make one here. */
function NoRepository({ workspaceId, canInit }: { workspaceId: string; canInit: boolean }) {
  const init = useGitInit(workspaceId);
  return (
    <div className="diff-no-repository">
      <p>
        This workspace has no git repository yet, so there are no changes to show.
        {canInit
          ? ' Create one here (git init in the workspace), or create a workspace from a git source.'
          : ' An editor can create one, or run git init in a terminal.'}
      </p>
      {canInit ? (
        <button
          type="button"
          className="button button-primary"
          disabled={init.isPending || init.isSuccess}
          onClick={() => init.mutate()}
        >
          {init.isPending || init.isSuccess ? 'Creating the repository…' : 'Create a git repository'}
        </button>
      ) : null}
      <ErrorAlert error={init.error} />
    </div>
  );
}
