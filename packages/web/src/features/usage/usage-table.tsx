import type { UsageReport } from '@hangar/protocol';
import { TableWrap } from '../../components/table-wrap';
import { formatCount, formatUsd } from '../../components/format';
import { GROUP_NAMES, rowLabel } from './usage-rows';

interface UsageTableProps {
  report: UsageReport;
  /** The report's rows in the order the chart shows them. */
  rows: UsageReport['rows'];
  caption: string;
}

const NUMBER_COLUMNS = [
  ['Calls', (row) => formatCount(row.calls)],
  ['Input tokens', (row) => formatCount(row.inputTokens)],
  ['Output tokens', (row) => formatCount(row.outputTokens)],
  ['Cache read', (row) => formatCount(row.cacheReadTokens)],
  ['Cache write', (row) => formatCount(row.cacheWriteTokens)],
  ['Cost', (row) => formatUsd(row.costUsd)],
  ['Errors', (row) => formatCount(row.errors)],
] as const satisfies ReadonlyArray<readonly [string, (row: UsageReport['total']) => string]>;

/** Every number of the report, with its total: the source the chart is drawn from. */
export function UsageTable({ report, rows, caption }: UsageTableProps) {
  return (
    <TableWrap label={caption}>
      <table className="usage-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{GROUP_NAMES[report.by]}</th>
            {NUMBER_COLUMNS.map(([name]) => (
              <th key={name} scope="col" className="num">
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key}>
              <th scope="row" className={report.by === 'day' ? undefined : 'cell-wide'}>
                {rowLabel(row, report.by)}
              </th>
              {NUMBER_COLUMNS.map(([name, cell]) => (
                <td key={name} className="num">
                  {cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            {NUMBER_COLUMNS.map(([name, cell]) => (
              <td key={name} className="num">
                {cell(report.total)}
              </td>
            ))}
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}
