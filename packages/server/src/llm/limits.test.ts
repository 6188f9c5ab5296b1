import { describe, expect, it } from 'vitest';
import { HangarError } from '../errors.js';
import { ProxyLimits } from './limits.js';

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof HangarError) return [error.status, error.id, error.extra.retryAfter];
    throw error;
  }
  return 'admitted';
};

describe('ProxyLimits', () => {
  const limits = () =>
    new ProxyLimits({ maxBodyBytes: 100, bodyBudgetBytes: 250, callsPerWorkspace: 2, calls: 3 });

  it('refuses a body over the limit with 413, whatever is in flight', () => {
    expect(refusal(() => limits().admit('w1', 101))).toEqual([413, 'payload_too_large', undefined]);
  });

  it('caps calls per workspace and in total, and gives each slot back once', () => {
    const l = limits();
    const a = l.admit('w1', 0);
    l.admit('w1', 0);
    expect(refusal(() => l.admit('w1', 0))).toEqual([429, 'llm_proxy_busy', 5]);
    const c = l.admit('w2', 0);
    expect(refusal(() => l.admit('w3', 0))).toEqual([429, 'llm_proxy_busy', 5]);
    a.release();
    a.release(); // a second release gives nothing back twice
    expect(l.inFlight().calls).toBe(2);
    expect(refusal(() => l.admit('w3', 0))).toBe('admitted');
    c.release();
    expect(refusal(() => l.admit('w1', 0))).toBe('admitted');
    expect(refusal(() => l.admit('w2', 0))).toEqual([429, 'llm_proxy_busy', 5]); // in total
  });

  it('bounds the bytes of bodies held at once; a body sent on no longer counts', () => {
    const l = limits();
    const a = l.admit('w1', 100);
    l.admit('w2', 100);
    expect(refusal(() => l.admit('w3', 51))).toEqual([429, 'llm_proxy_busy', 1]);
    a.releaseBody();
    expect(l.inFlight()).toEqual({ calls: 2, bodyBytes: 100 });
    expect(refusal(() => l.admit('w3', 100))).toBe('admitted');
    a.release(); // the call ends: its body is not given back a second time
    expect(l.inFlight()).toEqual({ calls: 2, bodyBytes: 200 });
  });
});
