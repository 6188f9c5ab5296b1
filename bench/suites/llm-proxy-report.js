// Prints the llm-proxy suite's tables: per series and API, the direct line
// (the baseline), then each proxy path with what it adds over direct, and the
// CPU time per stream of each process; then the target. Times in ms.
import { STREAM_APIS } from '../lib/llm-stream.js';
import { fmt, latency } from '../lib/stats.js';
import { SERIES, deltasOf } from './llm-proxy-setup.js';

/** Time to first token added by Hangar's proxy at p50, short reply, one at a time: under this many ms. */
export const TARGET_ADDED_P50_MS = 2;

/** @type {Record<import('./llm-proxy-measure.js').PathName, string>} */
const PATH_LABELS = {
  direct: 'direct to the provider (baseline)',
  bare: 'bare Node proxy hop (context)',
  proxied: "Hangar's proxy",
};

/**
 * @param {object} measured
 * @param {import('./llm-proxy-measure.js').LlmRow[]} measured.rows
 * @param {import('./llm-proxy-measure.js').LlmRow[]} measured.warmups  short replies, not counted
 * @param {import('./llm-proxy-measure.js').CpuRow[]} measured.cpu
 * @param {import('./llm-proxy-measure.js').LlmProxyOptions} options
 * @returns {{ addedP50Ms: Record<string, number>, bareAddedP50Ms: Record<string, number>, targetMs: number, met: boolean } | { skipped: string }}
 */
export function printLlmProxyTables({ rows, warmups, cpu }, options) {
  const titles = {
    latency: `short reply (${deltasOf(SERIES.latency)} deltas), one at a time`,
    throughput: `${deltasOf(SERIES.throughput)} deltas, no pause, one at a time`,
    concurrent: `${deltasOf(SERIES.throughput)} deltas, ${options.concurrent} streams at once`,
  };
  for (const series of /** @type {const} */ (['latency', 'throughput', 'concurrent'])) {
    const measured = rows.filter((r) => r.series === series);
    if (measured.length === 0) continue;
    console.log(
      `  ${titles[series].padEnd(44)}${'n'.padStart(5)}${'TTFT p50'.padStart(10)}${'p99'.padStart(8)}` +
        `${'total p50'.padStart(11)}${'tok/s p50'.padStart(11)}${'errors'.padStart(8)}  over direct: TTFT p50, p99; tok/s`,
    );
    for (const api of new Set(measured.map((r) => r.api))) {
      console.log(`    ${STREAM_APIS[api].label}`);
      const ofApi = measured.filter((r) => r.api === api);
      for (const row of ofApi)
        printRow(
          row,
          ofApi.find((r) => r.path === 'direct'),
        );
      const c = cpu.find((c) => c.series === series && c.api === api);
      if (c) printCpu(c);
    }
  }
  printWarmups(warmups);
  console.log(
    '  TTFT: request sent → first content delta read; total: → end of the stream; tok/s: content deltas per' +
      "\n  second after the first (streams at once: all their deltas ÷ the batch's wall time, p50 of the batches)." +
      '\n  CPU: user + system time of each process over the series (/proc, 10 ms ticks), a proxy per stream' +
      '\n  through it. The p99 of fewer than 100 samples is their maximum.',
  );
  for (const row of rows.filter((r) => r.errors.length > 0)) {
    console.error(
      `  ${STREAM_APIS[row.api].label}, ${row.path}, ${row.series}: ${row.errors.length} failed, first: ${row.errors[0]}`,
    );
  }
  return printTarget(rows);
}

/**
 * @param {import('./llm-proxy-measure.js').LlmRow} row
 * @param {import('./llm-proxy-measure.js').LlmRow | undefined} direct  of the same series and API
 */
function printRow(row, direct) {
  const ttft = latency(row.ttftMs);
  const total = latency(row.totalMs);
  // A few deltas make no rate.
  const rate = latency(row.series === 'latency' ? [] : row.tokensPerSecond);
  let over = '';
  if (row.path !== 'direct' && direct && ttft.n > 0) {
    const base = latency(direct.ttftMs);
    const ratio = rate.p50 / latency(direct.tokensPerSecond).p50;
    over = `${signed(ttft.p50 - base.p50)}, ${signed(ttft.p99 - base.p99)} ms`;
    if (Number.isFinite(ratio)) over += `; ${fmt(ratio, 2)}x`;
  }
  console.log(
    `      ${PATH_LABELS[row.path].padEnd(40)}${String(ttft.n).padStart(5)}${fmt(ttft.p50, 2).padStart(10)}` +
      `${fmt(ttft.p99, 2).padStart(8)}${fmt(total.p50, 2).padStart(11)}${fmt(rate.p50, 0).padStart(11)}` +
      `${String(row.errors.length).padStart(8)}  ${over}`.trimEnd(),
  );
}

/**
 * How much faster each path got over the warm-up: TTFT p50 of its first and last 100 short replies.
 * @param {import('./llm-proxy-measure.js').LlmRow[]} warmups
 */
function printWarmups(warmups) {
  const count = Math.min(100, ...warmups.map((w) => Math.floor(w.ttftMs.length / 2)));
  if (warmups.length === 0 || count < 1) return;
  console.log(`  warm-up, not counted: short reply TTFT p50, first → last ${count}, ms`);
  for (const api of new Set(warmups.map((w) => w.api))) {
    const paths = warmups
      .filter((w) => w.api === api)
      .map((w) => {
        const [first, last] = [w.ttftMs.slice(0, count), w.ttftMs.slice(-count)].map((v) => latency(v).p50);
        return `${PATH_LABELS[w.path].replace(/ \(.*\)$/, '')} ${fmt(first ?? Number.NaN, 2)} → ${fmt(last ?? Number.NaN, 2)}`;
      });
    console.log(`    ${STREAM_APIS[api].label}: ${paths.join('; ')}`);
  }
}

/** @param {import('./llm-proxy-measure.js').CpuRow} c */
function printCpu(c) {
  const hops = /** @type {const} */ (['proxied', 'bare'])
    .filter((path) => c.hopMs[path] !== undefined)
    .map(
      (path) =>
        `${path === 'proxied' ? "Hangar's proxy" : 'bare hop'} ${fmt(c.hopMs[path] ?? Number.NaN, 2)}`,
    );
  const all = [...hops, `provider ${fmt(c.providerMs, 2)}`, `client ${fmt(c.clientMs, 2)}`];
  console.log(`      CPU ms per stream: ${all.join(', ')}`);
}

/** @param {import('./llm-proxy-measure.js').LlmRow[]} rows */
function printTarget(rows) {
  const what = `TTFT added by Hangar's proxy at p50, short reply, one at a time, under ${TARGET_ADDED_P50_MS} ms`;
  const added = (/** @type {'proxied' | 'bare'} */ path) => {
    /** @type {Record<string, number>} */
    const byApi = {};
    for (const api of new Set(rows.map((r) => r.api))) {
      const of = (/** @type {string} */ p) =>
        rows.find((r) => r.series === 'latency' && r.api === api && r.path === p)?.ttftMs ?? [];
      if (of('direct').length > 0 && of(path).length > 0)
        byApi[api] = latency(of(path)).p50 - latency(of('direct')).p50;
    }
    return byApi;
  };
  const addedP50Ms = added('proxied');
  const bareAddedP50Ms = added('bare');
  const figures = (/** @type {Record<string, number>} */ byApi) =>
    Object.entries(byApi)
      .map(
        ([api, ms]) => `${STREAM_APIS[/** @type {keyof typeof STREAM_APIS} */ (api)].label} ${signed(ms)} ms`,
      )
      .join(', ');
  if (Object.keys(addedP50Ms).length === 0) {
    const why = rows.some((r) => r.path === 'proxied')
      ? 'no stream succeeded'
      : 'no proxied streams in this run';
    console.log(`\n  target (${what}): not measured: ${why}`);
    return { skipped: why };
  }
  const met = Object.values(addedP50Ms).every((ms) => ms < TARGET_ADDED_P50_MS);
  console.log(`\n  target: ${what}: ${figures(addedP50Ms)}: ${met ? 'met' : 'NOT met'}`);
  if (Object.keys(bareAddedP50Ms).length > 0)
    console.log(`  (a bare Node proxy hop adds: ${figures(bareAddedP50Ms)})`);
  return { addedP50Ms, bareAddedP50Ms, targetMs: TARGET_ADDED_P50_MS, met };
}

/** @param {number} ms */
function signed(ms) {
  return `${ms >= 0 ? '+' : ''}${fmt(ms, 2)}`;
}
