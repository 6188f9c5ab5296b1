/** First and longest wait before reconnecting, in milliseconds. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 5_000;

/**
 * How long to wait before reconnect attempt `attempt` (0 for the first):
 * doubling from 0.5 s up to 5 s, with ±20 % jitter so the viewers of a
 * restarted server do not all come back in the same instant.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(RECONNECT_MAX_MS, RECONNECT_MIN_MS * 2 ** Math.max(0, attempt));
  const jittered = base * (0.8 + 0.4 * random());
  return Math.round(Math.min(RECONNECT_MAX_MS, Math.max(RECONNECT_MIN_MS, jittered)));
}
