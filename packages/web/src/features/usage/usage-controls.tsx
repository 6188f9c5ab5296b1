import { usageGroup } from '@hangar/protocol';
import { useEffect, useState } from 'react';
import { Field, SelectField } from '../../components/field';
import { GROUP_NAMES, GROUPS } from './usage-rows';
import { isDay, type UsagePeriod } from './usage-period';

interface UsageControlsProps {
  period: UsagePeriod;
  /** Why the period cannot be shown, at the "To" field. */
  problem: string | undefined;
  onChange: (period: UsagePeriod) => void;
  onThisMonth: () => void;
}

/**
 * Grouping and period. A date is applied once it is a whole day: while a
 * person edits one, the field holds what they typed, not the last valid day.
 */
export function UsageControls({ period, problem, onChange, onThisMonth }: UsageControlsProps) {
  const [from, setFrom] = useState(period.from);
  const [to, setTo] = useState(period.to);

  // The URL changed some other way ("This month", the back button): show its days.
  useEffect(() => setFrom(period.from), [period.from]);
  useEffect(() => setTo(period.to), [period.to]);

  function changeDay(which: 'from' | 'to', value: string): void {
    (which === 'from' ? setFrom : setTo)(value);
    if (isDay(value)) onChange({ ...period, [which]: value });
  }

  return (
    <form
      className="inline-form usage-controls"
      aria-label="Usage period"
      onSubmit={(event) => event.preventDefault()}
    >
      <SelectField
        label="Group by"
        value={period.by}
        onChange={(event) => {
          const by = usageGroup.safeParse(event.target.value);
          if (by.success) onChange({ ...period, by: by.data });
        }}
      >
        {GROUPS.map((group) => (
          <option key={group} value={group}>
            {GROUP_NAMES[group]}
          </option>
        ))}
      </SelectField>
      <Field
        label="From"
        type="date"
        required
        value={from}
        onChange={(event) => changeDay('from', event.target.value)}
      />
      <Field
        label="To"
        type="date"
        required
        value={to}
        onChange={(event) => changeDay('to', event.target.value)}
        hint="Days are counted in UTC."
        error={problem}
      />
      <div className="inline-form-submit">
        <button type="button" className="button" onClick={onThisMonth}>
          This month
        </button>
      </div>
    </form>
  );
}
