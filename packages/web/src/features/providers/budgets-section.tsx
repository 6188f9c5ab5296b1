import { useBudgets, useRemoveBudget } from '../../api/budgets';
import { ErrorAlert } from '../../components/alert';
import { ConfirmButton } from '../../components/confirm-button';
import { formatUsd } from '../../components/format';
import { Meter } from '../../components/meter';
import { BudgetForm } from './budget-form';
import { SCOPE_NAMES, subjectName, useBudgetSubjects } from './budget-subjects';
import { useToast } from '../../components/toast';
import { TableWrap } from '../../components/table-wrap';

/** A monthly limit in words: 0 means none. */
function limitText(usd: number): string {
  return usd > 0 ? formatUsd(usd) : 'no limit';
}

export function BudgetsSection() {
  const budgets = useBudgets();
  const remove = useRemoveBudget();
  const toast = useToast();
  const { subjects, error } = useBudgetSubjects();
  const defaults = budgets.data?.defaults;

  return (
    <section className="card" aria-labelledby="budgets-heading">
      <h2 id="budgets-heading">Budgets</h2>
      <p className="muted small">
        What a user or a workspace may spend on LLM calls per calendar month (UTC). Past it, the proxy refuses
        further calls with an error that names the budget.
      </p>
      {defaults ? (
        <p>
          Defaults: <strong>{limitText(defaults.userMonthlyUsd)}</strong> per user and{' '}
          <strong>{limitText(defaults.workspaceMonthlyUsd)}</strong> per workspace, each month.
        </p>
      ) : null}
      <BudgetForm subjects={subjects} />
      <ErrorAlert error={budgets.error ?? error ?? remove.error} />
      {budgets.isPending ? <p className="muted">Loading budgets…</p> : null}
      {budgets.data?.budgets.length === 0 ? (
        <p className="muted">No budgets set: the defaults apply to everyone.</p>
      ) : null}
      {budgets.data && budgets.data.budgets.length > 0 ? (
        <TableWrap label="Budgets">
          <table>
            <caption>Budgets that replace the defaults</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col" className="num">
                  Spent this month
                </th>
                <th scope="col" className="num">
                  Monthly budget
                </th>
                <th scope="col">Used</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {budgets.data.budgets.map(({ scope, subjectId, spentUsd, monthlyUsd }) => {
                const name = subjectName(subjects, scope, subjectId);
                return (
                  <tr key={`${scope}:${subjectId}`}>
                    <th scope="row" className="cell-wide">
                      {name}
                    </th>
                    <td>{SCOPE_NAMES[scope].toLowerCase()}</td>
                    <td className="num">{formatUsd(spentUsd)}</td>
                    <td className="num">{limitText(monthlyUsd)}</td>
                    <td>
                      {monthlyUsd > 0 ? (
                        <Meter
                          value={spentUsd}
                          max={monthlyUsd}
                          label={`Budget used by ${name}`}
                          valueText={`${formatUsd(spentUsd)} of ${formatUsd(monthlyUsd)}`}
                        />
                      ) : (
                        <span className="muted small">no limit</span>
                      )}
                    </td>
                    <td className="actions">
                      <ConfirmButton
                        label="Remove"
                        ariaLabel={`Remove the budget of ${name}`}
                        prompt={`Remove the budget of ${name}? The default applies again.`}
                        confirmLabel="Confirm remove"
                        disabled={remove.isPending}
                        onConfirm={() =>
                          remove.mutate({ scope, subjectId }, { onSuccess: () => toast('Budget removed.') })
                        }
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      ) : null}
    </section>
  );
}
