import { usageReport } from '@hangar/protocol';
import { useQuery } from '@tanstack/react-query';
import { apiRequest } from './client';
import { usageKeys, type UsageFilters } from './keys';

function usageSearch(filters: UsageFilters, format: 'json' | 'csv'): string {
  const query = new URLSearchParams({ by: filters.by, from: filters.from, to: filters.to });
  if (format === 'csv') query.set('format', 'csv');
  return query.toString();
}

export function useUsage(filters: UsageFilters, enabled = true) {
  return useQuery({
    queryKey: usageKeys.report(filters),
    queryFn: ({ signal }) =>
      apiRequest(`/api/usage?${usageSearch(filters, 'json')}`, usageReport, { signal }),
    // Keep the last report on screen while another period loads, instead of flashing "Loading".
    placeholderData: (previous) => previous,
    enabled,
  });
}

/** Where the same report downloads as CSV; a plain link, so the browser handles the download. */
export function usageCsvHref(filters: UsageFilters): string {
  return `/api/usage?${usageSearch(filters, 'csv')}`;
}
