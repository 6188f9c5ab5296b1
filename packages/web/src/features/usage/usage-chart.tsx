import type { UsageGroup, UsageRow } from '@hangar/protocol';
import { useState } from 'react';
import { BarChart, type Bar } from '../../components/bar-chart';
import { formatCompact, formatUsd } from '../../components/format';
import { GROUP_NAMES, rowLabel, totalTokens } from './usage-rows';

type Metric = 'cost' | 'tokens';

const METRICS: Record<
  Metric,
  { name: string; value: (row: UsageRow) => number; text: (n: number) => string }
> = {
  cost: { name: 'Cost', value: (row) => row.costUsd, text: formatUsd },
  tokens: { name: 'Tokens', value: totalTokens, text: formatCompact },
};

/** Cost or tokens per row, as bars; the usage table below is the same data in full. */
export function UsageChart({ rows, by }: { rows: UsageRow[]; by: UsageGroup }) {
  const [metric, setMetric] = useState<Metric>('cost');
  const { name, value, text } = METRICS[metric];
  const bars: Bar[] = rows.map((row) => ({
    key: row.key,
    label: rowLabel(row, by),
    value: value(row),
    valueText: text(value(row)),
  }));

  return (
    <div className="usage-chart">
      <fieldset className="choice-group">
        <legend>Chart</legend>
        {(Object.keys(METRICS) as Metric[]).map((key) => (
          <label key={key} className="choice">
            <input
              type="radio"
              name="usage-metric"
              value={key}
              checked={metric === key}
              onChange={() => setMetric(key)}
            />
            {METRICS[key].name}
          </label>
        ))}
      </fieldset>
      <BarChart
        caption={`${name} by ${GROUP_NAMES[by].toLowerCase()}`}
        note="Point at a bar to see its value; the table below lists every number."
        bars={bars}
      />
    </div>
  );
}
