import { setBudgetRequest } from '@hangar/protocol';
import { useState, type FormEvent } from 'react';
import { useSetBudget, type BudgetScope } from '../../api/budgets';
import { ErrorAlert } from '../../components/alert';
import { Field, SelectField } from '../../components/field';
import { check, focusFirstInvalid, hasErrors, type FieldErrors } from '../../components/validation';
import { SCOPE_NAMES, type Subjects } from './budget-subjects';

/** Sets (or changes) the monthly budget of one user or workspace. */
export function BudgetForm({ subjects }: { subjects: Subjects }) {
  const [scope, setScope] = useState<BudgetScope>('workspace');
  const [subjectId, setSubjectId] = useState('');
  const [amount, setAmount] = useState('');
  const [errors, setErrors] = useState<FieldErrors<'subject' | 'amount'>>({});
  const setBudget = useSetBudget();

  function submit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const monthlyUsd = Number(amount);
    const found = {
      subject: subjectId === '' ? `Choose a ${scope}.` : undefined,
      amount:
        amount.trim() === '' || check(setBudgetRequest.shape.monthlyUsd, monthlyUsd)
          ? 'Enter an amount in US dollars, or 0 for no limit.'
          : undefined,
    };
    setErrors(found);
    if (hasErrors(found)) {
      focusFirstInvalid(event.currentTarget);
      return;
    }
    setBudget.mutate(
      { scope, subjectId, monthlyUsd },
      {
        onSuccess: () => {
          setSubjectId('');
          setAmount('');
        },
      },
    );
  }

  return (
    <form onSubmit={submit} noValidate className="inline-form" aria-label="Set a budget">
      <SelectField
        label="Scope"
        value={scope}
        onChange={(event) => {
          setScope(event.target.value === 'user' ? 'user' : 'workspace');
          setSubjectId('');
        }}
      >
        <option value="workspace">Workspace</option>
        <option value="user">User</option>
      </SelectField>
      <SelectField
        label={SCOPE_NAMES[scope]}
        value={subjectId}
        onChange={(event) => setSubjectId(event.target.value)}
        error={errors.subject}
      >
        <option value="">Choose a {scope}…</option>
        {subjects[scope].map((subject) => (
          <option key={subject.id} value={subject.id}>
            {subject.name}
          </option>
        ))}
      </SelectField>
      <Field
        label="Monthly budget (USD)"
        type="number"
        inputMode="decimal"
        min={0}
        step="any"
        value={amount}
        onChange={(event) => setAmount(event.target.value)}
        hint="0 for no limit."
        error={errors.amount}
      />
      <div className="inline-form-submit">
        <button type="submit" className="button button-primary" disabled={setBudget.isPending}>
          Set budget
        </button>
      </div>
      <ErrorAlert error={setBudget.error} />
    </form>
  );
}
