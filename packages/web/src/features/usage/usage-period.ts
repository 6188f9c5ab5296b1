import { usageGroup, type UsageGroup } from '@hangar/protocol';
import type { UsageFilters } from '../../api/keys';

/** What the usage page shows, as its URL holds it: both dates inclusive, YYYY-MM-DD in UTC. */
export interface UsagePeriod {
  by: UsageGroup;
  from: string;
  to: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** True for a real calendar day written YYYY-MM-DD (not 2026-02-30). */
export function isDay(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const ms = Date.parse(value);
  return !Number.isNaN(ms) && isoDay(new Date(ms)) === value;
}

/** The first and last day of the calendar month (UTC) that `now` falls in; budgets use the same months. */
export function monthOf(now: Date): { from: string; to: string } {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    from: isoDay(new Date(Date.UTC(year, month, 1))),
    to: isoDay(new Date(Date.UTC(year, month + 1, 0))),
  };
}

/** The period in the URL's search parameters; anything missing or malformed falls back to this month by day. */
export function readPeriod(params: URLSearchParams, now: Date): UsagePeriod {
  const month = monthOf(now);
  const by = usageGroup.safeParse(params.get('by'));
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  return {
    by: by.success ? by.data : 'day',
    from: isDay(from) ? from : month.from,
    to: isDay(to) ? to : month.to,
  };
}

/** Why the period cannot be shown, in words for the "To" field; undefined when it can. */
export function periodProblem(period: UsagePeriod): string | undefined {
  return period.from > period.to ? 'Choose a day on or after the “From” day.' : undefined;
}

/** The API's filters: its end is exclusive, so the last day shown is included by asking up to the next. */
export function toFilters(period: UsagePeriod): UsageFilters {
  return {
    by: period.by,
    from: period.from,
    to: isoDay(new Date(Date.parse(period.to) + DAY_MS)),
  };
}
