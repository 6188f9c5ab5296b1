import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { useCallback, useLayoutEffect, useRef } from 'react';
import { TranscriptRow, type ItemContext } from './transcript-items';
import type { TranscriptItem } from './transcript';

/** A row's height before it is measured, in pixels. */
const ESTIMATED_ROW_PX = 80;
/** Space between rows, in pixels (0.75rem). */
const GAP_PX = 12;
/** Rows rendered beyond each edge of the view, so a quick scroll shows no blank band. */
const OVERSCAN = 8;
/** Within this many pixels of the end the reader counts as "at the bottom", and the log follows the stream. */
const PINNED_SLACK_PX = 40;

/**
 * The transcript, virtualised: only the rows in view (and a few either side)
 * are in the DOM, so a session of thousands of events scrolls as lightly as a
 * short one. Rows are keyed by item key and memoised, and an item keeps its
 * identity until an event changes it, so a permission card's buttons stay the
 * same DOM nodes while other rows stream.
 *
 * - While the reader is at the bottom the log follows the stream; once they
 *   scroll up it stays where they are, and rows above the view that grow
 *   (streaming text, a tool result) shift the scroll position by as much, so
 *   what they read does not move.
 * - A list with aria-setsize/aria-posinset tells a screen reader how long the
 *   whole transcript is; the row holding focus stays rendered when scrolled away.
 * - Mounting and unmounting rows while scrolling would be read out by a live
 *   region, so the log itself is not one; a separate polite status announces
 *   what arrives (a reply once finished, a permission request, an error).
 * - The browser's find-in-page (Ctrl-F) sees only the rendered rows.
 */
export function TranscriptLog({
  items,
  context,
  loaded,
}: {
  items: readonly TranscriptItem[];
  context: ItemContext;
  /** The session is loaded: an empty transcript says so. */
  loaded: boolean;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const focused = useRef<number | null>(null);

  const getItemKey = useCallback((index: number) => items[index]?.key ?? index, [items]);
  const rangeExtractor = useCallback((range: Range) => {
    const indexes = defaultRangeExtractor(range);
    const kept = focused.current;
    if (kept !== null && kept < range.count && !indexes.includes(kept)) {
      indexes.push(kept);
      indexes.sort((a, b) => a - b);
    }
    return indexes;
  }, []);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ESTIMATED_ROW_PX,
    getItemKey,
    rangeExtractor,
    overscan: OVERSCAN,
    gap: GAP_PX,
  });
  const totalSize = virtualizer.getTotalSize();

  // Follow the stream while the reader is at the bottom: new rows, rows that grow, rows measured.
  useLayoutEffect(() => {
    const node = scroller.current;
    if (node && pinned.current && items.length > 0) node.scrollTop = node.scrollHeight;
  }, [items, totalSize]);

  const rows = virtualizer.getVirtualItems();
  return (
    <>
      <div
        className="transcript-log"
        ref={scroller}
        role="log"
        aria-live="off"
        aria-label="Transcript"
        // Focusable, so the keyboard can scroll it (no row may hold a control).
        tabIndex={0}
        onScroll={(event) => {
          const node = event.currentTarget;
          pinned.current = node.scrollHeight - node.scrollTop - node.clientHeight < PINNED_SLACK_PX;
        }}
      >
        {items.length === 0 && loaded ? <p className="muted">No messages yet.</p> : null}
        {items.length > 0 ? (
          <div className="chat-rows" role="list" style={{ height: totalSize }}>
            {rows.map((row) => {
              const item = items[row.index]!;
              return (
                <div
                  key={row.key}
                  className="chat-row"
                  role="listitem"
                  aria-setsize={items.length}
                  aria-posinset={row.index + 1}
                  data-index={row.index}
                  ref={virtualizer.measureElement}
                  style={{ transform: `translateY(${row.start}px)` }}
                  onFocus={() => (focused.current = row.index)}
                >
                  <TranscriptRow item={item} context={context} />
                </div>
              );
            })}
          </div>
        ) : null}
      </div>
      <p className="visually-hidden" role="status">
        {announcement(items[items.length - 1])}
      </p>
    </>
  );
}

/** What a screen reader hears when the transcript's last row settles. */
function announcement(item: TranscriptItem | undefined): string {
  switch (item?.kind) {
    case 'assistant':
      return item.streaming ? '' : `Agent: ${item.text.slice(0, 500)}`;
    case 'permission':
      return item.answer ? '' : `Permission request: ${item.summary ?? `use ${item.toolName}`}`;
    case 'tool':
      return item.error ?? (item.result !== null ? `Tool ${item.name} done` : `Running ${item.name}`);
    case 'error':
      return item.message;
    default:
      return '';
  }
}
