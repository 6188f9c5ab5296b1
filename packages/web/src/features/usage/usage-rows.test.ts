import type { UsageRow } from '@hangar/protocol';
import { describe, expect, it } from 'vitest';
import { GROUPS, orderRows, rowLabel, totalTokens } from './usage-rows';

function row(key: string, costUsd: number, label = key): UsageRow {
  return {
    key,
    label,
    calls: 1,
    inputTokens: 10,
    outputTokens: 5,
    cacheReadTokens: 2,
    cacheWriteTokens: 1,
    costUsd,
    errors: 0,
  };
}

describe('usage rows', () => {
  it('offers sessions as a grouping, named by their title, and calls outside any session as such', () => {
    expect(GROUPS).toContain('session');
    expect(rowLabel(row('s1', 1, 'Fix the login'), 'session')).toBe('Fix the login');
    expect(rowLabel(row('', 1, ''), 'session')).toBe('Outside agent sessions');
  });

  it('names rows by label, and the empty key as none', () => {
    expect(rowLabel(row('u1', 1, 'ada'), 'user')).toBe('ada');
    expect(rowLabel(row('', 1), 'workspace')).toBe('No workspace');
    expect(rowLabel(row('2026-02-03', 1), 'day')).toMatch(/2026/);
  });

  it('counts cache tokens with input and output', () => {
    expect(totalTokens(row('m', 1))).toBe(18);
  });

  it('keeps days in calendar order and puts the costliest first otherwise', () => {
    const rows = [row('2026-02-02', 5), row('2026-02-01', 1), row('2026-02-03', 9)];
    expect(orderRows(rows, 'day').map((r) => r.key)).toEqual(['2026-02-01', '2026-02-02', '2026-02-03']);
    expect(orderRows(rows, 'model').map((r) => r.costUsd)).toEqual([9, 5, 1]);
  });
});
