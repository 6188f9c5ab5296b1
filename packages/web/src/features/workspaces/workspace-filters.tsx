import { workspaceState } from '@hangar/protocol';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import type { WorkspaceFilters } from '../../api/keys';
import { Field, SelectField } from '../../components/field';
import { useDebouncedValue } from '../../components/hooks';

/** Typing pauses this long, in milliseconds, before the list is searched. */
const SEARCH_DELAY_MS = 300;

/** Filters live in the URL (`/?state=running&q=api`), so reload and the back button keep them. */
export function useWorkspaceFilters() {
  const [params, setParams] = useSearchParams();
  const state = params.get('state') ?? '';
  const q = params.get('q') ?? '';
  const [text, setText] = useState(q);
  const settled = useDebouncedValue(text.trim(), SEARCH_DELAY_MS);

  function update(key: 'state' | 'q', value: string): void {
    setParams(
      (previous) => {
        const next = new URLSearchParams(previous);
        if (value === '') next.delete(key);
        else next.set(key, value);
        return next;
      },
      { replace: true },
    );
  }

  useEffect(() => {
    if (settled !== q) update('q', settled);
    // Runs on a settled change of the text only: `q` changing is the echo of
    // this update, or of the back button, which must not re-apply old text.
  }, [settled]);

  const filters: WorkspaceFilters = { ...(state ? { state } : {}), ...(q ? { q } : {}) };
  return {
    filters,
    active: state !== '' || q !== '',
    text,
    setText,
    setState: (value: string) => update('state', value),
    clear: () => {
      setText('');
      setParams({}, { replace: true });
    },
  };
}

type Filters = ReturnType<typeof useWorkspaceFilters>;

export function WorkspaceFilterBar({ filters }: { filters: Filters }) {
  return (
    <form role="search" className="filter-bar" onSubmit={(event) => event.preventDefault()}>
      <Field
        label="Search"
        type="search"
        placeholder="Name contains…"
        autoComplete="off"
        value={filters.text}
        onChange={(event) => filters.setText(event.target.value)}
      />
      <SelectField
        label="State"
        value={filters.filters.state ?? ''}
        onChange={(event) => filters.setState(event.target.value)}
      >
        <option value="">All states</option>
        {workspaceState.options.map((state) => (
          <option key={state} value={state}>
            {state}
          </option>
        ))}
      </SelectField>
    </form>
  );
}
