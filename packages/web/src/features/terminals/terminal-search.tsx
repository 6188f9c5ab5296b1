import type { ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { useEffect, useState, type KeyboardEvent } from 'react';

// Decorations highlight every match (and let the addon count them); colours must be #RRGGBB.
const OPTIONS: ISearchOptions = {
  decorations: {
    matchBackground: '#f3c76b',
    matchOverviewRuler: '#f3c76b',
    activeMatchBackground: '#ff9632',
    activeMatchColorOverviewRuler: '#ff9632',
  },
};

interface Results {
  index: number;
  count: number;
}

function describe(results: Results | undefined): string {
  if (!results) return '';
  if (results.count === 0) return 'No matches';
  return results.index >= 0 ? `${results.index + 1} of ${results.count}` : `${results.count} matches`;
}

/** Find in the terminal's screen and scrollback: Enter for the next match, Shift+Enter for the previous. */
export function TerminalSearch({ search }: { search: SearchAddon | undefined }) {
  const [query, setQuery] = useState('');
  const [results, setResults] = useState<Results>();

  useEffect(() => {
    if (!search) return;
    const listener = search.onDidChangeResults(({ resultIndex, resultCount }) =>
      setResults({ index: resultIndex, count: resultCount }),
    );
    return () => listener.dispose();
  }, [search]);

  function find(text: string, backwards = false, incremental = false): void {
    if (!search) return;
    if (text === '') {
      search.clearDecorations();
      setResults(undefined);
      return;
    }
    if (backwards) search.findPrevious(text, OPTIONS);
    else search.findNext(text, { ...OPTIONS, incremental });
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>): void {
    if (event.key !== 'Enter') return;
    event.preventDefault();
    find(query, event.shiftKey);
  }

  return (
    <div role="search" className="terminal-search">
      <input
        type="search"
        aria-label="Search terminal"
        placeholder="Search"
        autoComplete="off"
        spellCheck={false}
        value={query}
        disabled={!search}
        onChange={(event) => {
          setQuery(event.target.value);
          find(event.target.value, false, true);
        }}
        onKeyDown={onKeyDown}
      />
      <span className="small muted terminal-search-results" aria-live="polite">
        {query ? describe(results) : ''}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label="Previous match"
        disabled={!query}
        onClick={() => find(query, true)}
      >
        ↑
      </button>
      <button
        type="button"
        className="icon-button"
        aria-label="Next match"
        disabled={!query}
        onClick={() => find(query)}
      >
        ↓
      </button>
    </div>
  );
}
