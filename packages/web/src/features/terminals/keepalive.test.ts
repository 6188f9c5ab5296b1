import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Keepalive } from './keepalive';

describe('Keepalive', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('pings every 20 s and gives up 10 s after an unanswered ping', () => {
    const pings: string[] = [];
    const onTimeout = vi.fn();
    const keepalive = new Keepalive((id) => pings.push(id), onTimeout);
    keepalive.start();
    vi.advanceTimersByTime(20_000);
    expect(pings).toEqual(['1']);
    vi.advanceTimersByTime(9_999);
    expect(onTimeout).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onTimeout).toHaveBeenCalledOnce();
    vi.advanceTimersByTime(60_000);
    expect(pings).toEqual(['1']); // stopped
  });

  it('keeps going while pongs come back', () => {
    const onTimeout = vi.fn();
    let sent = 0;
    const keepalive = new Keepalive(() => (sent += 1), onTimeout);
    keepalive.start();
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(20_000);
      keepalive.pong();
    }
    expect(sent).toBe(5);
    expect(onTimeout).not.toHaveBeenCalled();
    keepalive.stop();
    expect(vi.getTimerCount()).toBe(0);
  });
});
