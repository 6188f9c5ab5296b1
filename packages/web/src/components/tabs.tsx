import { useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router-dom';

export interface Tab {
  key: string;
  label: string;
  content: ReactNode;
}

interface TabsProps {
  label: string;
  tabs: Tab[];
  /** The chosen tab, when the caller keeps it (e.g. in the URL, see useTabParam). */
  selected?: string;
  onSelect?: (key: string) => void;
}

/**
 * The chosen tab kept in the URL's `?tab=`, so a link or a reload opens the
 * same tab and the back button returns to the one before. `fallback` picks a
 * tab when the URL names none (from the other parameters, say).
 */
export function useTabParam(fallback: (params: URLSearchParams) => string | undefined): {
  selected: string | undefined;
  onSelect: (key: string) => void;
} {
  const [params, setParams] = useSearchParams();
  return {
    selected: params.get('tab') ?? fallback(params),
    onSelect: (key) =>
      setParams((current) => {
        const next = new URLSearchParams(current);
        next.set('tab', key);
        return next;
      }),
  };
}

/** ARIA tabs: arrow keys, Home and End move between tabs; only the chosen panel is rendered. */
export function Tabs({ label, tabs, selected: chosen, onSelect }: TabsProps) {
  const [own, setOwn] = useState(tabs[0]?.key);
  const selected = chosen ?? own;
  const setSelected = (key: string) => (onSelect ? onSelect(key) : setOwn(key));
  const id = useId();
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  const current = tabs.find((tab) => tab.key === selected) ?? tabs[0];

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>): void {
    const index = tabs.findIndex((tab) => tab.key === current?.key);
    const moves: Record<string, number> = {
      ArrowRight: index + 1,
      ArrowLeft: index - 1,
      Home: 0,
      End: tabs.length - 1,
    };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = tabs[(target + tabs.length) % tabs.length];
    if (!next) return;
    setSelected(next.key);
    buttons.current.get(next.key)?.focus();
  }

  return (
    <div className="tabs">
      <div role="tablist" aria-label={label} className="tab-list" onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.key}
            ref={(node) => {
              if (node) buttons.current.set(tab.key, node);
              else buttons.current.delete(tab.key);
            }}
            type="button"
            role="tab"
            id={`${id}-tab-${tab.key}`}
            aria-controls={`${id}-panel-${tab.key}`}
            aria-selected={tab.key === current?.key}
            tabIndex={tab.key === current?.key ? 0 : -1}
            className="tab"
            onClick={() => setSelected(tab.key)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {current ? (
        <div
          role="tabpanel"
          id={`${id}-panel-${current.key}`}
          aria-labelledby={`${id}-tab-${current.key}`}
          className="tab-panel"
          tabIndex={0}
        >
          {current.content}
        </div>
      ) : null}
    </div>
  );
}
