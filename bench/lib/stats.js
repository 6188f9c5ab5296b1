// Small statistics and parsing helpers for the benchmarks. Times are in
// milliseconds unless a name says otherwise.

/**
 * The p-th percentile (0..100) of the values, by the nearest-rank method.
 * @param {readonly number[]} values
 * @param {number} p
 * @returns {number} NaN when there are no values
 */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((Math.min(Math.max(p, 0), 100) / 100) * sorted.length);
  return /** @type {number} */ (sorted[Math.max(rank, 1) - 1]);
}

/**
 * @param {readonly number[]} values
 * @returns {{ median: number, min: number, max: number }}
 */
export function summarize(values) {
  return {
    median: percentile(values, 50),
    min: values.length ? Math.min(...values) : Number.NaN,
    max: values.length ? Math.max(...values) : Number.NaN,
  };
}

/**
 * The figures a latency table shows.
 * @param {readonly number[]} values
 * @returns {{ n: number, p50: number, p99: number, mean: number }} NaN figures when there are no values
 */
export function latency(values) {
  return {
    n: values.length,
    p50: percentile(values, 50),
    p99: percentile(values, 99),
    mean: values.length ? values.reduce((sum, v) => sum + v, 0) / values.length : Number.NaN,
  };
}

/**
 * Adds to an agent-events row what Hangar adds: Hangar − the same agent run
 * without Hangar (the figure held against the target), and Hangar − the
 * provider read directly (which also counts the agent's own processing).
 * @template {{ direct: { p50: number, p99: number }, agent: { p50: number, p99: number }, hangar: { p50: number, p99: number } }} R
 * @param {R} row
 */
export function withAddedLatency(row) {
  return {
    ...row,
    addedP50: row.hangar.p50 - row.agent.p50,
    addedP99: row.hangar.p99 - row.agent.p99,
    overProviderP50: row.hangar.p50 - row.direct.p50,
    overProviderP99: row.hangar.p99 - row.direct.p99,
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Finds the URL a server says it listens on in one line of its output: a
 * pino JSON line with a "url" field, or text such as
 * `listening on http://127.0.0.1:7700`. Wildcard addresses become 127.0.0.1.
 * @param {string} line
 * @returns {URL | undefined} only http(s) URLs on loopback
 */
export function parseListenUrl(line) {
  /** @type {string | undefined} */
  let candidate;
  const text = line.trim();
  if (text.startsWith('{')) {
    try {
      /** @type {unknown} */
      const record = JSON.parse(text);
      if (record && typeof record === 'object' && 'url' in record && typeof record.url === 'string') {
        candidate = record.url;
      }
    } catch {
      // Not JSON after all; try the text below.
    }
  }
  candidate ??= /listening (?:on|at) (https?:\/\/[^\s"',]+)/i.exec(text)?.[1];
  if (!candidate) return undefined;
  let url;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1';
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
  return loopback ? new URL(url.origin) : undefined;
}

/**
 * @param {number} value
 * @param {number} [digits]
 */
export function fmt(value, digits = 1) {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}
