import { describe, expect, it } from 'vitest';
import { BAR_MAX_PERCENT, barPercent } from './bar-chart';

describe('barPercent', () => {
  it('scales to the largest value, leaving room for its label', () => {
    expect(barPercent(10, 10)).toBe(BAR_MAX_PERCENT);
    expect(barPercent(5, 10)).toBe(BAR_MAX_PERCENT / 2);
  });

  it('draws nothing for zero, and a sliver for a tiny value', () => {
    expect(barPercent(0, 10)).toBe(0);
    expect(barPercent(0, 0)).toBe(0);
    expect(barPercent(0.0001, 1000)).toBeGreaterThan(0);
  });
});
