import { describe, expect, it } from 'vitest';
import { isDay, monthOf, periodProblem, readPeriod, toFilters } from './usage-period';

const NOW = new Date('2026-02-14T23:30:00Z');

describe('monthOf', () => {
  it('spans the UTC calendar month, leap years included', () => {
    expect(monthOf(NOW)).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    expect(monthOf(new Date('2028-02-10T00:00:00Z'))).toEqual({ from: '2028-02-01', to: '2028-02-29' });
    expect(monthOf(new Date('2026-12-31T23:59:59Z'))).toEqual({ from: '2026-12-01', to: '2026-12-31' });
  });
});

describe('isDay', () => {
  it('accepts real days only', () => {
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-30')).toBe(false);
    expect(isDay('2026-2-3')).toBe(false);
    expect(isDay('yesterday')).toBe(false);
  });
});

describe('readPeriod', () => {
  it('defaults to this month by day', () => {
    expect(readPeriod(new URLSearchParams(), NOW)).toEqual({
      by: 'day',
      from: '2026-02-01',
      to: '2026-02-28',
    });
  });

  it('reads the grouping and dates, ignoring malformed ones', () => {
    const params = new URLSearchParams({ by: 'model', from: '2026-01-05', to: 'soon' });
    expect(readPeriod(params, NOW)).toEqual({ by: 'model', from: '2026-01-05', to: '2026-02-28' });
    expect(readPeriod(new URLSearchParams({ by: 'planet' }), NOW).by).toBe('day');
  });
});

describe('toFilters', () => {
  it('asks up to the day after the last day shown, as the API end is exclusive', () => {
    expect(toFilters({ by: 'user', from: '2026-02-01', to: '2026-02-28' })).toEqual({
      by: 'user',
      from: '2026-02-01',
      to: '2026-03-01',
    });
    expect(toFilters({ by: 'day', from: '2026-12-31', to: '2026-12-31' }).to).toBe('2027-01-01');
  });
});

describe('periodProblem', () => {
  it('refuses an end before the start, and allows a single day', () => {
    expect(periodProblem({ by: 'day', from: '2026-02-10', to: '2026-02-09' })).toMatch(/on or after/);
    expect(periodProblem({ by: 'day', from: '2026-02-10', to: '2026-02-10' })).toBeUndefined();
  });
});
