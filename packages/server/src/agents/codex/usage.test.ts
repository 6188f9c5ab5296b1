import { describe, expect, it } from 'vitest';
import { CodexUsageCounter } from './usage.js';

type Tokens = { totalTokens: number; inputTokens: number; cachedInputTokens: number; outputTokens: number };
const tokens = (input: number, cached: number, output: number): Tokens => ({
  totalTokens: input + output,
  inputTokens: input,
  cachedInputTokens: cached,
  outputTokens: output,
});
const update = (turnId: string, total: Tokens, last: Tokens) => ({
  threadId: 't',
  turnId,
  tokenUsage: {
    total: { ...total, cacheWriteInputTokens: 0, reasoningOutputTokens: 0 },
    last: { ...last, cacheWriteInputTokens: 0, reasoningOutputTokens: 0 },
    modelContextWindow: 258400,
  },
});
const counted = (result: unknown) =>
  (result as { tokenUsage: { last: Tokens } } | undefined)?.tokenUsage.last;

// The updates codex app-server 0.169.0 sent in one measured run (docs/agents/codex.md, "Usage and cost").
describe('CodexUsageCounter', () => {
  it('counts every model call once: repeats at an interrupt and the replay after thread/resume are not counted', () => {
    const first = new CodexUsageCounter();
    const mine = new Set(['turn-1', 'turn-2', 'turn-3', 'turn-4']);
    const own = (id: string) => mine.has(id);
    const calls = [
      first.count(update('turn-1', tokens(1500, 500, 20), tokens(1500, 500, 20)), own),
      // A tool round trip: two calls in one turn.
      first.count(update('turn-2', tokens(3500, 500, 50), tokens(2000, 0, 30)), own),
      first.count(update('turn-2', tokens(6500, 500, 90), tokens(3000, 0, 40)), own),
      // turn-3 was interrupted before its call finished: Codex repeats the last update.
      first.count(update('turn-3', tokens(6500, 500, 90), tokens(3000, 0, 40)), own),
      first.count(update('turn-4', tokens(8000, 1000, 110), tokens(1500, 500, 20)), own),
    ];
    expect(calls.map(counted)).toEqual([
      expect.objectContaining(tokens(1500, 500, 20)),
      expect.objectContaining(tokens(2000, 0, 30)),
      expect.objectContaining(tokens(3000, 0, 40)),
      undefined,
      expect.objectContaining(tokens(1500, 500, 20)),
    ]);

    // A new process resumes the thread: Codex replays turn-4's update, then counts on.
    const second = new CodexUsageCounter();
    const own2 = (id: string) => id === 'turn-5';
    expect(
      second.count(update('turn-4', tokens(8000, 1000, 110), tokens(1500, 500, 20)), own2),
    ).toBeUndefined();
    expect(
      counted(second.count(update('turn-5', tokens(9500, 1500, 130), tokens(1500, 500, 20)), own2)),
    ).toEqual(expect.objectContaining(tokens(1500, 500, 20)));
  });

  it("counts a resumed thread's first call by Codex's own count when nothing was replayed", () => {
    const counter = new CodexUsageCounter();
    const result = counter.count(update('turn-9', tokens(9000, 0, 100), tokens(1000, 0, 10)), () => true);
    expect(counted(result)).toEqual(expect.objectContaining(tokens(1000, 0, 10)));
  });

  it('ignores params that are not a token usage update', () => {
    expect(new CodexUsageCounter().count({ turnId: 'x' }, () => true)).toBeUndefined();
  });
});
