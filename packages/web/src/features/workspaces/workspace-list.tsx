import type { Workspace } from '@hangar/protocol';
import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { formatBytes } from '../../components/format';
import { MemberAvatars } from './member-avatars';
import { NotIsolatedBadge, StateBadge } from './state-badge';

/** A card's height before it is measured, in pixels; and the gap between cards. */
const ESTIMATED_CARD_PX = 118;
const GAP_PX = 12;
/** Cards rendered beyond the screen's edges, so fast scrolling shows no blank. */
const OVERSCAN = 6;

export function workspaceUrl(id: string): string {
  return `/workspaces/${encodeURIComponent(id)}`;
}

export function diskUse(bytes: number | null): string {
  return bytes === null ? 'not measured yet' : formatBytes(bytes);
}

/**
 * One card per workspace: a list rather than a table so it reads well on a
 * phone. Only the cards near the screen are in the page (the list scrolls
 * with the window), so 500 workspaces render and scroll as fast as five;
 * aria-setsize and aria-posinset tell screen readers the whole count.
 */
export function WorkspaceList({
  workspaces,
  totalDiskBytes,
}: {
  workspaces: Workspace[];
  totalDiskBytes: number;
}) {
  const listRef = useRef<HTMLUListElement>(null);
  const [offset, setOffset] = useState(0);
  // Where the list starts in the page; what is above it (filters, banners) may change height.
  useLayoutEffect(() => {
    const list = listRef.current;
    const top = list ? Math.round(list.getBoundingClientRect().top + window.scrollY) : 0;
    if (top !== offset) setOffset(top);
  });
  const virtualizer = useWindowVirtualizer({
    count: workspaces.length,
    estimateSize: () => ESTIMATED_CARD_PX,
    overscan: OVERSCAN,
    gap: GAP_PX,
    scrollMargin: offset,
    getItemKey: (index) => workspaces[index]?.id ?? index,
  });

  return (
    <>
      <p className="muted small">
        {workspaces.length === 1 ? '1 workspace' : `${workspaces.length} workspaces`} ·{' '}
        {formatBytes(totalDiskBytes)} on disk in total
      </p>
      <ul
        ref={listRef}
        className="workspace-list workspace-list-virtual"
        style={{ height: virtualizer.getTotalSize(), position: 'relative' }}
      >
        {virtualizer.getVirtualItems().map((item) => {
          const workspace = workspaces[item.index];
          if (!workspace) return null;
          return (
            <WorkspaceItem
              key={item.key}
              workspace={workspace}
              index={item.index}
              setSize={workspaces.length}
              measure={virtualizer.measureElement}
              top={item.start - virtualizer.options.scrollMargin}
            />
          );
        })}
      </ul>
    </>
  );
}

interface ItemProps {
  workspace: Workspace;
  index: number;
  setSize: number;
  measure: (node: Element | null) => void;
  top: number;
}

function WorkspaceItem({ workspace, index, setSize, measure, top }: ItemProps) {
  return (
    <li
      ref={measure}
      data-index={index}
      aria-setsize={setSize}
      aria-posinset={index + 1}
      className="card workspace-item"
      style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${top}px)` }}
    >
      <div className="workspace-item-head">
        <h2 className="workspace-item-name">
          <Link to={workspaceUrl(workspace.id)}>{workspace.name}</Link>
        </h2>
        <StateBadge state={workspace.state} />
        {workspace.isolated ? null : <NotIsolatedBadge />}
      </div>
      <dl className="workspace-item-facts">
        <div>
          <dt>Template</dt>
          <dd>
            {workspace.template} <span className="muted">({workspace.driver})</span>
          </dd>
        </div>
        <div>
          <dt>Disk use</dt>
          <dd>{diskUse(workspace.diskBytes)}</dd>
        </div>
        <div>
          <dt>Members</dt>
          <dd>
            <MemberAvatars members={workspace.members} />
          </dd>
        </div>
      </dl>
      {workspace.state === 'error' && workspace.error ? (
        <p className="field-error workspace-item-error">{workspace.error}</p>
      ) : null}
    </li>
  );
}
