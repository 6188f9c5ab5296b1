import type { UsageRow } from '@hangar/protocol';
import { formatCount, formatUsd } from '../../components/format';
import { totalTokens } from './usage-rows';

/** The period at a glance, above the chart. */
export function UsageTotals({ total }: { total: UsageRow }) {
  const stats = [
    ['Cost', formatUsd(total.costUsd)],
    ['Calls', formatCount(total.calls)],
    ['Tokens', formatCount(totalTokens(total))],
    ['Errors', formatCount(total.errors)],
  ] as const;
  return (
    <dl className="usage-totals" aria-label="Totals for the period">
      {stats.map(([name, value]) => (
        <div key={name} className="usage-total">
          <dt>{name}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
