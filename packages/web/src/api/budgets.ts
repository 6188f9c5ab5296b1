import { budgetList, okResponse } from '@hangar/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from './client';
import { resourceKeys } from './keys';

export type BudgetList = ReturnType<typeof budgetList.parse>;
export type Budget = BudgetList['budgets'][number];
export type BudgetScope = Budget['scope'];

export function useBudgets() {
  return useQuery({
    queryKey: resourceKeys.budgets,
    queryFn: ({ signal }) => apiRequest('/api/budgets', budgetList, { signal }),
  });
}

function budgetPath(scope: BudgetScope, subjectId: string): string {
  return `/api/budgets/${scope}/${encodeURIComponent(subjectId)}`;
}

export interface SetBudgetInput {
  scope: BudgetScope;
  subjectId: string;
  /** US dollars per calendar month; 0 for no limit. */
  monthlyUsd: number;
}

export function useSetBudget() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ scope, subjectId, monthlyUsd }: SetBudgetInput) =>
      apiRequest(budgetPath(scope, subjectId), okResponse, { method: 'PUT', body: { monthlyUsd } }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.budgets }),
  });
}

/** Back to the default budget for its scope. */
export function useRemoveBudget() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ scope, subjectId }: { scope: BudgetScope; subjectId: string }) =>
      apiRequest(budgetPath(scope, subjectId), okResponse, { method: 'DELETE' }),
    onSuccess: () => client.invalidateQueries({ queryKey: resourceKeys.budgets }),
  });
}
