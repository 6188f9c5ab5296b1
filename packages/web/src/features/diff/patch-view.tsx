import type { FileDiff } from '@hangar/protocol';
import { memo, useMemo } from 'react';
import { HighlightedCode } from '../../components/highlighted-code';
import { displayPath, parsePatch, splitRows, type Hunk, type LineKind, type SplitCell } from './patch';

export type DiffLayout = 'unified' | 'split';

const SIGN: Record<LineKind, string> = { add: '+', del: '-', context: ' ' };

/** The language hint the highlighter takes: the file's extension (`ts`, `py`, `sh`). */
function langOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1) : name;
}

function Code({ text, lang }: { text: string; lang: string }) {
  return <HighlightedCode code={text} lang={lang} />;
}

function NoNewline() {
  return (
    <span className="diff-eol" title="No newline at end of file">
      ⏎̸
    </span>
  );
}

/** One file's patch as a unified or side-by-side table, with notices for binary and cut patches. */
export const PatchView = memo(function PatchView({ file, layout }: { file: FileDiff; layout: DiffLayout }) {
  const parsed = useMemo(() => parsePatch(file.patch), [file.patch]);
  const lang = langOf(file.path);
  const title = displayPath(file);

  return (
    <article className="diff-file" aria-label={`Changes in ${title}`}>
      <header className="diff-file-head">
        <span className="mono diff-file-name">{title}</span>
        <span className="diff-counts small">
          <span className="diff-add">+{file.additions}</span>{' '}
          <span className="diff-del">−{file.deletions}</span>
        </span>
      </header>
      {file.binary || parsed.binary ? (
        <p className="muted diff-note">Binary file: no text changes to show.</p>
      ) : parsed.hunks.length === 0 && !file.truncated ? (
        <p className="muted diff-note">
          {file.status === 'renamed'
            ? 'Renamed without changes.'
            : 'No line changes (a mode change or an empty file).'}
        </p>
      ) : (
        // Focusable, so a keyboard can scroll a long or wide patch.
        <div className="diff-table-wrap" tabIndex={0} role="region" aria-label={`Patch of ${title}`}>
          <table className={`diff-table diff-${layout}`}>
            {/* Fixed widths for the number columns (the first row, a hunk header, spans them all). */}
            <colgroup>
              {layout === 'unified' ? (
                <>
                  <col className="diff-col-no" />
                  <col className="diff-col-no" />
                  <col />
                </>
              ) : (
                <>
                  <col className="diff-col-no" />
                  <col />
                  <col className="diff-col-no" />
                  <col />
                </>
              )}
            </colgroup>
            {parsed.hunks.map((hunk, index) =>
              layout === 'unified' ? (
                <UnifiedHunk key={index} hunk={hunk} lang={lang} />
              ) : (
                <SplitHunk key={index} hunk={hunk} lang={lang} />
              ),
            )}
          </table>
        </div>
      )}
      {file.truncated ? (
        <p className="alert alert-warning diff-note" role="note">
          This file’s patch is too large to show whole: it stops here. The counts above are exact; open the
          file or a terminal to see the rest.
        </p>
      ) : null}
    </article>
  );
});

function HunkHeader({ hunk, span }: { hunk: Hunk; span: number }) {
  return (
    <tr className="diff-hunk">
      <td colSpan={span} className="mono">
        {hunk.header}
      </td>
    </tr>
  );
}

function UnifiedHunk({ hunk, lang }: { hunk: Hunk; lang: string }) {
  return (
    <tbody>
      <HunkHeader hunk={hunk} span={3} />
      {hunk.lines.map((line, index) => (
        <tr key={index} className={`diff-line diff-${line.kind}`}>
          <td className="diff-no">{line.oldNo ?? ''}</td>
          <td className="diff-no">{line.newNo ?? ''}</td>
          <td className="diff-code">
            <span className="diff-sign" aria-hidden="true">
              {SIGN[line.kind]}
            </span>
            <Code text={line.text} lang={lang} />
            {line.noNewline ? <NoNewline /> : null}
          </td>
        </tr>
      ))}
    </tbody>
  );
}

function SplitSide({ cell, lang }: { cell: SplitCell | null; lang: string }) {
  if (!cell) {
    return (
      <>
        <td className="diff-no diff-empty" />
        <td className="diff-code diff-empty" />
      </>
    );
  }
  return (
    <>
      <td className={`diff-no diff-${cell.kind}`}>{cell.no}</td>
      <td className={`diff-code diff-${cell.kind}`}>
        <span className="diff-sign" aria-hidden="true">
          {SIGN[cell.kind]}
        </span>
        <Code text={cell.text} lang={lang} />
        {cell.noNewline ? <NoNewline /> : null}
      </td>
    </>
  );
}

function SplitHunk({ hunk, lang }: { hunk: Hunk; lang: string }) {
  const rows = useMemo(() => splitRows(hunk), [hunk]);
  return (
    <tbody>
      <HunkHeader hunk={hunk} span={4} />
      {rows.map((row, index) => (
        <tr key={index} className="diff-line">
          <SplitSide cell={row.left} lang={lang} />
          <SplitSide cell={row.right} lang={lang} />
        </tr>
      ))}
    </tbody>
  );
}
