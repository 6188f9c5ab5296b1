import { z } from 'zod';

/** A token count; Codex sends null for counts a provider does not report (cacheWriteInputTokens). */
const tokens = z
  .number()
  .nullish()
  .transform((n) => n ?? 0);
const breakdown = z.object({
  totalTokens: tokens,
  inputTokens: tokens,
  cachedInputTokens: tokens,
  cacheWriteInputTokens: tokens,
  outputTokens: tokens,
  reasoningOutputTokens: tokens,
});
type Breakdown = z.infer<typeof breakdown>;
const FIELDS = Object.keys(breakdown.shape) as (keyof Breakdown)[];

/** `thread/tokenUsage/updated` params (v2/ThreadTokenUsageUpdatedNotification.ts of `generate-ts`). */
const tokenUsageUpdated = z.looseObject({
  turnId: z.string(),
  tokenUsage: z.looseObject({ total: breakdown, last: breakdown }),
});

/**
 * Counts each model call of a Codex thread once. Codex sends `thread/tokenUsage/updated` after
 * every model call, and again, unchanged, when a turn is interrupted and when a thread is resumed
 * (measured with 0.169.0: docs/agents/codex.md). `total` is the thread's running sum, so the
 * tokens not counted yet are `total` minus the highest total seen; an update whose total is not
 * higher repeats what was counted. A new process learns the thread's total from the update that
 * `thread/resume` replays: it names a turn this process did not start.
 */
export class CodexUsageCounter {
  /** The thread's total at the last update counted (or replayed), undefined before the first one. */
  private counted: Breakdown | undefined;

  /**
   * The notification's params with `tokenUsage.last` replaced by the tokens not counted yet, or
   * undefined when it repeats counted tokens (or is the replay of a resumed thread).
   * `ownTurn` says whether `turnId` is a turn this process started.
   */
  count(params: unknown, ownTurn: (turnId: string) => boolean): unknown {
    const parsed = tokenUsageUpdated.safeParse(params);
    if (!parsed.success) return undefined;
    const total = parsed.data.tokenUsage.total;
    const before = this.counted;
    if (before && total.totalTokens <= before.totalTokens) return undefined;
    this.counted = total;
    if (!before) {
      // A turn of an earlier process: the replay after thread/resume, counted by that process.
      if (!ownTurn(parsed.data.turnId)) return undefined;
      // This thread's first call (or a resumed thread that replayed nothing): Codex's own per-call count.
      return params;
    }
    const fresh = Object.fromEntries(FIELDS.map((field) => [field, total[field] - before[field]]));
    return { ...parsed.data, tokenUsage: { ...parsed.data.tokenUsage, last: fresh } };
  }
}
