import { describe, expect, it } from 'vitest';
import { RECONNECT_MAX_MS, RECONNECT_MIN_MS, reconnectDelay } from './backoff';

describe('reconnectDelay', () => {
  const middle = () => 0.5;

  it('doubles from 0.5 s and stops at 5 s', () => {
    const delays = [0, 1, 2, 3, 4, 5, 20].map((attempt) => reconnectDelay(attempt, middle));
    expect(delays).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
  });

  it('jitters by up to 20 % but stays within 0.5 s and 5 s', () => {
    expect(reconnectDelay(1, () => 0)).toBe(800);
    expect(reconnectDelay(1, () => 1)).toBe(1200);
    for (const random of [() => 0, () => 0.999]) {
      for (let attempt = 0; attempt < 10; attempt++) {
        const delay = reconnectDelay(attempt, random);
        expect(delay).toBeGreaterThanOrEqual(RECONNECT_MIN_MS);
        expect(delay).toBeLessThanOrEqual(RECONNECT_MAX_MS);
      }
    }
  });

  it('treats a nonsense attempt number as the first', () => {
    expect(reconnectDelay(-3, middle)).toBe(500);
  });
});
