import { describe, expect, it } from 'vitest';
import { HangarError } from '../errors.js';
import { StreamRegistry } from './stream-limits.js';

function refusal(take: () => unknown): HangarError {
  try {
    take();
  } catch (error) {
    if (error instanceof HangarError) return error;
    throw error;
  }
  throw new Error('the stream was admitted past the cap');
}

describe('StreamRegistry', () => {
  it('admits streams up to the per-user and total caps, and frees each slot once', () => {
    const registry = new StreamRegistry({ streamsPerUser: 2, streamsTotal: 3 });
    const ada = [registry.acquire('ada'), registry.acquire('ada')];
    const refused = refusal(() => registry.acquire('ada'));
    expect(refused).toMatchObject({ id: 'too_many_streams', status: 429 });
    registry.acquire('bob');
    expect(refusal(() => registry.acquire('cat')).message).toContain('HANGAR_STREAMS_TOTAL');

    // A slot freed twice (response and socket both closing) counts once.
    ada[0]!();
    ada[0]!();
    expect(registry.count('ada')).toBe(1);
    expect(registry.count()).toBe(2);
    registry.acquire('cat');
    expect(refusal(() => registry.acquire('ada')).message).toContain('HANGAR_STREAMS_TOTAL');
  });
});
