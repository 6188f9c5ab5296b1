// The llm-proxy suite's measurements: streams sent to each target (the
// provider directly, a bare proxy hop, Hangar's proxy) in turn, one at a
// time and in concurrent batches, with the CPU time each process spent.
import { performance } from 'node:perf_hooks';
import { cpuMeter } from '../lib/cpu-time.js';
import { STREAM_APIS, streamOnce } from '../lib/llm-stream.js';
import { messageOf } from '../lib/samples.js';
import { MODEL, SERIES, clearProviderRecords } from './llm-proxy-setup.js';

/** Longest one streamed answer may take, in ms. */
const STREAM_TIMEOUT_MS = 30_000;
const APIS = /** @type {import('../lib/llm-stream.js').StreamApi[]} */ (Object.keys(STREAM_APIS));

/** @typedef {'direct' | 'bare' | 'proxied'} PathName */

/**
 * @typedef {object} LlmProxyOptions
 * @property {number} samples     one at a time, per API, series and path
 * @property {number} warmup      short replies per API and path before measuring, not counted
 * @property {number} concurrent  streams at once
 * @property {number} batches     of concurrent streams, per API and path
 * @property {number} maxSeconds  bound on each series
 */

/**
 * @typedef {object} Target  where a client sends its requests
 * @property {PathName} path
 * @property {Record<import('../lib/llm-stream.js').StreamApi, string>} base
 * @property {string} key
 * @property {number | undefined} pid  of the proxy process on the path, if any
 * @property {number} sent             requests sent so far
 */

/**
 * @typedef {object} LlmRow
 * @property {'latency' | 'throughput' | 'concurrent'} series
 * @property {import('../lib/llm-stream.js').StreamApi} api
 * @property {PathName} path
 * @property {number[]} ttftMs
 * @property {number[]} totalMs
 * @property {number[]} tokensPerSecond  per stream with a rate; concurrent: per batch, its streams' deltas ÷ its wall time
 * @property {string[]} errors
 */

/**
 * @typedef {object} CpuRow  CPU time per stream of a series, in ms, from /proc (10 ms ticks)
 * @property {LlmRow['series']} series
 * @property {LlmRow['api']} api
 * @property {Partial<Record<PathName, number>>} hopMs  each proxy process, per stream through it (it idles during the others)
 * @property {number} providerMs  the scripted provider, per stream of any path
 * @property {number} clientMs    this process (the benchmark client), per stream of any path
 */

/**
 * A warm-up of every API, then per API the short reply and the long one one
 * at a time, then concurrent batches of the long one; each series with the
 * CPU time its processes spent. The warm-up is long because every process
 * on the paths keeps getting faster over its first few thousand requests
 * (V8 optimises hot functions in tiers): without it, the figures would be
 * those of a server that has just started, not of one in use.
 * @param {Target[]} targets
 * @param {LlmProxyOptions} options
 * @param {{ url: URL, pid: number }} provider
 * @param {{ rows: LlmRow[], warmups: LlmRow[], cpu: CpuRow[], problems: string[] }} out
 */
export async function measureAll(targets, options, provider, out) {
  const deadline = () => performance.now() + options.maxSeconds * 1000;
  const groups = {
    ...Object.fromEntries(targets.flatMap((t) => (t.pid ? [[t.path, [t.pid]]] : []))),
    provider: [provider.pid],
    client: [process.pid],
  };
  // Every API before any is measured: most of the code on a path serves them all.
  for (const api of APIS) {
    // Each long reply runs the proxies' per-chunk code a thousand times: a few suffice.
    for (const [series, count] of /** @type {const} */ ([
      ['latency', options.warmup],
      ['throughput', Math.ceil(options.warmup / 20)],
    ])) {
      const warm = await oneAtATime(targets, api, series, count, deadline());
      if (series === 'latency') out.warmups.push(...warm);
      for (const row of warm.filter((r) => r.errors.length > 0))
        out.problems.push(`${STREAM_APIS[api].label}, ${row.path}, warm-up: ${row.errors[0]}`);
    }
    await clearProviderRecords(provider.url);
  }
  for (const api of APIS) {
    for (const series of /** @type {const} */ (['latency', 'throughput', 'concurrent'])) {
      const meter = cpuMeter(groups);
      const rows =
        series === 'concurrent'
          ? await concurrently(targets, api, options, deadline())
          : await oneAtATime(targets, api, series, options.samples, deadline());
      out.rows.push(...rows);
      out.cpu.push(cpuPerStream(series, api, rows, meter()));
      await clearProviderRecords(provider.url);
    }
  }
}

/**
 * @param {Target[]} targets
 * @param {number} i
 * @returns {Target[]} the targets in the i-th turn's order: each goes first in turn, so none always follows another
 */
function turn(targets, i) {
  const k = i % targets.length;
  return [...targets.slice(k), ...targets.slice(0, k)];
}

/**
 * @param {Target[]} targets
 * @param {import('../lib/llm-stream.js').StreamApi} api
 * @param {'latency' | 'throughput'} series
 * @param {number} count   per target
 * @param {number} deadline  a performance.now() time after which no sample starts
 */
async function oneAtATime(targets, api, series, count, deadline) {
  const rows = targets.map((t) => emptyRow(series, api, t.path));
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    for (const target of turn(targets, i)) {
      const row = /** @type {LlmRow} */ (rows[targets.indexOf(target)]);
      try {
        const t = await stream(target, api, series);
        row.ttftMs.push(t.ttftMs);
        row.totalMs.push(t.totalMs);
        // A short reply's deltas often come in one read: no rate.
        if (Number.isFinite(t.tokensPerSecond)) row.tokensPerSecond.push(t.tokensPerSecond);
      } catch (error) {
        row.errors.push(messageOf(error));
      }
    }
  }
  return rows;
}

/**
 * Batches of `options.concurrent` long answers started at once, the targets taking turns.
 * @param {Target[]} targets
 * @param {import('../lib/llm-stream.js').StreamApi} api
 * @param {LlmProxyOptions} options
 * @param {number} deadline
 */
async function concurrently(targets, api, options, deadline) {
  const rows = targets.map((t) => emptyRow('concurrent', api, t.path));
  for (let b = 0; b < options.batches && performance.now() < deadline; b++) {
    for (const target of turn(targets, b)) {
      const row = /** @type {LlmRow} */ (rows[targets.indexOf(target)]);
      const started = performance.now();
      const settled = await Promise.allSettled(
        Array.from({ length: options.concurrent }, () => stream(target, api, 'throughput')),
      );
      const seconds = (performance.now() - started) / 1000;
      let deltas = 0;
      for (const s of settled) {
        if (s.status === 'rejected') {
          row.errors.push(messageOf(s.reason));
          continue;
        }
        row.ttftMs.push(s.value.ttftMs);
        row.totalMs.push(s.value.totalMs);
        deltas += s.value.deltas;
      }
      if (deltas > 0) row.tokensPerSecond.push(deltas / seconds);
    }
  }
  return rows;
}

/**
 * One streamed answer, checked against the scenario.
 * @param {Target} target
 * @param {import('../lib/llm-stream.js').StreamApi} api
 * @param {'latency' | 'throughput'} series
 */
async function stream(target, api, series) {
  const { prompt, text } = SERIES[series];
  target.sent++;
  const t = await streamOnce({
    api,
    base: target.base[api],
    key: target.key,
    model: MODEL,
    prompt,
    timeoutMs: STREAM_TIMEOUT_MS,
  });
  if (t.text !== text) {
    throw new Error(`the answer (${t.deltas} deltas, ${t.text.length} chars) is not the scenario's`);
  }
  return t;
}

/**
 * @param {LlmRow['series']} series
 * @param {LlmRow['api']} api
 * @param {PathName} path
 * @returns {LlmRow}
 */
function emptyRow(series, api, path) {
  return { series, api, path, ttftMs: [], totalMs: [], tokensPerSecond: [], errors: [] };
}

/**
 * @param {LlmRow['series']} series
 * @param {LlmRow['api']} api
 * @param {LlmRow[]} rows  of the series, one per path
 * @param {Record<string, number>} seconds  CPU seconds by process group (a path's proxy, provider, client)
 * @returns {CpuRow}
 */
function cpuPerStream(series, api, rows, seconds) {
  const streams = (/** @type {LlmRow[]} */ of) =>
    of.reduce((n, r) => n + r.ttftMs.length + r.errors.length, 0);
  const perStream = (/** @type {number | undefined} */ s, /** @type {number} */ n) =>
    s !== undefined && n > 0 ? (s * 1000) / n : Number.NaN;
  const all = streams(rows);
  /** @type {Partial<Record<PathName, number>>} */
  const hopMs = {};
  for (const row of rows) {
    if (seconds[row.path] !== undefined) hopMs[row.path] = perStream(seconds[row.path], streams([row]));
  }
  return {
    series,
    api,
    hopMs,
    providerMs: perStream(seconds.provider, all),
    clientMs: perStream(seconds.client, all),
  };
}
