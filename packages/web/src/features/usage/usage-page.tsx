import type { UsageReport } from '@hangar/protocol';
import { useSearchParams } from 'react-router-dom';
import { useUsage, usageCsvHref } from '../../api/usage';
import { ErrorAlert } from '../../components/alert';
import { usePageTitle } from '../../components/hooks';
import { useIsAdmin } from '../auth/session';
import { UsageChart } from './usage-chart';
import { UsageControls } from './usage-controls';
import { formatDay, GROUP_NAMES, orderRows } from './usage-rows';
import { periodProblem, readPeriod, toFilters, type UsagePeriod } from './usage-period';
import { UsageTable } from './usage-table';
import { UsageTotals } from './usage-totals';
import './usage.css';

/** LLM calls made through Hangar's proxy, and their cost; the period lives in the URL. */
export function UsagePage() {
  usePageTitle('Usage');
  const isAdmin = useIsAdmin();
  const [params, setParams] = useSearchParams();
  const period = readPeriod(params, new Date());
  const problem = periodProblem(period);
  const filters = toFilters(period);
  const usage = useUsage(filters, problem === undefined);
  const report = problem === undefined ? usage.data : undefined;

  function change(next: UsagePeriod): void {
    setParams({ by: next.by, from: next.from, to: next.to }, { replace: true });
  }

  return (
    <section className="page usage-page">
      <div className="page-head">
        <h1>Usage</h1>
        {report && report.rows.length > 0 ? (
          <a className="button" href={usageCsvHref(filters)} download>
            Download CSV
          </a>
        ) : null}
      </div>
      <p className="muted">
        LLM calls that agents made through Hangar, with their tokens and cost
        {isAdmin ? ', across all workspaces.' : ', in the workspaces you belong to.'}
      </p>
      <div className="card">
        <UsageControls
          period={period}
          problem={problem}
          onChange={change}
          onThisMonth={() => setParams({ by: period.by }, { replace: true })}
        />
      </div>
      <ErrorAlert error={usage.error} />
      {problem === undefined && usage.isPending ? (
        <p className="muted" role="status">
          Loading usage…
        </p>
      ) : null}
      {report ? <UsageResults report={report} period={period} /> : null}
    </section>
  );
}

function UsageResults({ report, period }: { report: UsageReport; period: UsagePeriod }) {
  if (report.rows.length === 0) {
    return (
      <div className="card empty-state">
        <h2>No LLM calls in this period</h2>
        <p className="muted">
          Calls appear here once an agent in a workspace talks to a model through Hangar. Try a longer period.
        </p>
      </div>
    );
  }
  const rows = orderRows(report.rows, report.by);
  const span = `${formatDay(period.from)} to ${formatDay(period.to)}`;
  return (
    <div className="card">
      <h2 className="visually-hidden">Results</h2>
      <UsageTotals total={report.total} />
      <UsageChart rows={rows} by={report.by} />
      <UsageTable
        report={report}
        rows={rows}
        caption={`Usage by ${GROUP_NAMES[report.by].toLowerCase()}, ${span}`}
      />
    </div>
  );
}
