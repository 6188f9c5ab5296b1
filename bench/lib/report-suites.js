// Each suite's figures as report rows: the figure, Hangar's value, the
// baseline measured in the same run, how they compare (or the target), and
// whether the target is met. Reads the `result` a suite returns (see
// bench/suites/*.js); a suite not listed here shows its printed output only.
import { fmt, latency, summarize } from './stats.js';

/**
 * @typedef {object} ReportRow
 * @property {string} figure
 * @property {string} value     Hangar's
 * @property {string} baseline  from the same run, or '—'
 * @property {string} vs        ratio or difference to the baseline, and/or the target
 * @property {string} met       'yes', 'NO', or '—' (no target, or not measured)
 */

/** @param {boolean | undefined} met */
const verdict = (met) => (met === undefined ? '—' : met ? 'yes' : 'NO');
/** @param {number | undefined} n @param {number} [digits] */
const num = (n, digits = 1) => (n === undefined || !Number.isFinite(n) ? '—' : fmt(n, digits));
/** @param {number | undefined} ms */
const ms = (ms) => (ms === undefined || !Number.isFinite(ms) ? '—' : `${fmt(ms, ms < 10 ? 2 : 1)} ms`);
/** @param {number} a @param {number} b */
const ratio = (a, b) => (Number.isFinite(a / b) && b !== 0 ? `${fmt(a / b, 2)}×` : '—');
/** @param {number} a @param {number} b */
const added = (a, b) => (Number.isFinite(a - b) ? `${a - b >= 0 ? '+' : ''}${fmt(a - b, 2)} ms` : '—');

/**
 * @param {string} figure
 * @param {string} value
 * @param {string} baseline
 * @param {string} vs
 * @param {boolean | undefined} [met]
 * @returns {ReportRow}
 */
const row = (figure, value, baseline, vs, met) => ({ figure, value, baseline, vs, met: verdict(met) });

/** @type {Record<string, (result: any) => ReportRow[]>} */
const EXTRACTORS = {
  startup: (r) => {
    const base = summarize(r.startup?.baseline ?? []).median;
    return /** @type {const} */ ([
      ['fresh', 'spawn → /api/health 200, new data dir, median'],
      ['existing', 'spawn → /api/health 200, existing data dir, median'],
    ]).map(([key, figure]) => {
      const value = summarize(r.startup?.[key] ?? []).median;
      return row(figure, ms(value), `${ms(base)} (bare node:http)`, ratio(value, base));
    });
  },
  health: (r) => {
    const median = (/** @type {any[]} */ list, /** @type {string} */ key) =>
      summarize(list.map((x) => x[key])).median;
    const base = r.health?.baseline ?? [];
    const hangar = r.health?.hangar ?? [];
    return [
      row(
        'GET /api/health, req/s',
        num(median(hangar, 'rps'), 0),
        `${num(median(base, 'rps'), 0)} (bare node:http)`,
        ratio(median(hangar, 'rps'), median(base, 'rps')),
      ),
      row(
        'GET /api/health, p99',
        ms(median(hangar, 'p99Ms')),
        ms(median(base, 'p99Ms')),
        ratio(median(hangar, 'p99Ms'), median(base, 'p99Ms')),
      ),
    ];
  },
  workspace: (r) => {
    const rows = r.workspace?.rows ?? [];
    const ref = (/** @type {string} */ mode) =>
      rows.find((/** @type {any} */ x) => x.key === 'raw-bwrap' && x.mode === mode && x.results.length > 0);
    /** @type {ReportRow[]} */
    const out = [];
    for (const x of rows.filter((/** @type {any} */ x) => !x.baseline)) {
      const figure = `${x.label}, create → first command, ${x.mode === 'sequential' ? 'one at a time' : 'concurrent'}, p50`;
      if (x.skipped || x.results.length === 0) {
        out.push(row(figure, `skipped: ${x.skipped ?? 'every sample failed'}`, '—', '—'));
        continue;
      }
      const p50 = latency(x.results.map((/** @type {any} */ t) => t.totalMs)).p50;
      const base = ref(x.mode);
      const baseP50 = base ? latency(base.results.map((/** @type {any} */ t) => t.totalMs)).p50 : Number.NaN;
      const target = x.key === 'bubblewrap' ? r.workspace.target?.modes?.[x.mode] : undefined;
      const ratio = Number.isFinite(baseP50) ? `${(p50 / baseP50).toFixed(2)}×` : '';
      out.push(
        row(
          figure,
          ms(p50),
          base ? `${ms(baseP50)} (bare bwrap, same command)` : '—',
          `${added(p50, baseP50)}${ratio ? `, ${ratio}` : ''}${target && 'ratio' in target ? `; target ≤ ${r.workspace.target.targetRatio}×` : ''}`,
          target && 'ratio' in target ? target.met : undefined,
        ),
      );
    }
    return out;
  },
  terminal: (r) => {
    const results = Object.values(r.terminal?.results ?? {});
    const t = r.terminal?.targets ?? {};
    const rate = (/** @type {string} */ key) => {
      const c = /** @type {any} */ (results.find((x) => /** @type {any} */ (x).key === key));
      // As terminal-report.js: the file's MB over the median time from Enter to the end marker.
      const times = (c?.cats ?? []).map((/** @type {any} */ s) => s.ms);
      return times.length ? r.terminal.fileBytes / 1e6 / (summarize(times).median / 1000) : Number.NaN;
    };
    const echo = (/** @type {string} */ key) =>
      latency(
        /** @type {any} */ (results.find((x) => /** @type {any} */ (x).key === key))?.echoRounds?.flat() ??
          [],
      );
    const cat = `cat ${fmt((r.terminal?.fileBytes ?? 0) / 1e6, 0)} MB`;
    return [
      row(
        `${cat}, effective MB/s (vs WeTTY)`,
        num(rate('hangar')),
        `${num(rate('wetty'))} (WeTTY)`,
        `${num(t.overWetty?.ratio, 2)}×; target ≥ ${t.overWetty?.target ?? 2}×`,
        t.overWetty?.met,
      ),
      row(
        `${cat}, effective MB/s (vs the limit)`,
        num(rate('hangar')),
        `${num(rate('limit'))} (local node-pty reader)`,
        `${num(t.ofLimit?.ratio, 2)}×; target ≥ ${t.ofLimit?.target ?? 0.5}×`,
        t.ofLimit?.met,
      ),
      row(
        'keystroke echo, p99',
        ms(echo('hangar').p99),
        `${ms(echo('wetty').p99)} (WeTTY), ${ms(echo('limit').p99)} (limit)`,
        `target < ${t.echoP99?.target ?? 10} ms`,
        t.echoP99?.met,
      ),
    ];
  },
  'llm-proxy': (r) => {
    const target = r.llmProxy?.target ?? {};
    const rows = r.llmProxy?.rows ?? [];
    const ttft = (/** @type {string} */ api, /** @type {string} */ path) =>
      latency(
        rows.find((/** @type {any} */ x) => x.series === 'latency' && x.api === api && x.path === path)
          ?.ttftMs ?? [],
      ).p50;
    return Object.entries(target.addedP50Ms ?? {}).map(([api, addedMs]) =>
      row(
        `${api}: time to first token, p50`,
        ms(ttft(api, 'proxied')),
        `${ms(ttft(api, 'direct'))} (provider directly)`,
        `${added(Number(addedMs), 0)}; target < ${target.targetMs} ms added`,
        Number(addedMs) < target.targetMs,
      ),
    );
  },
  'agent-events': (r) => {
    const a = r.agentEvents;
    const pair = (/** @type {any} */ l) => `${ms(l?.p50)} / ${ms(l?.p99)}`;
    return (a?.rows ?? []).flatMap((/** @type {any} */ x, /** @type {number} */ i) => [
      row(
        `token → SSE event, ${x.label}, p50 / p99`,
        pair(x.hangar),
        `${pair(x.direct)} (provider directly)`,
        `${added(x.overProviderP99, 0)} at p99, counting Pi's own processing`,
      ),
      row(
        `token → SSE event, ${x.label}, p50 / p99, added by Hangar`,
        pair(x.hangar),
        `${pair(x.agent)} (Pi on the host, no Hangar)`,
        `${added(x.addedP99, 0)} at p99${i === 1 ? `; target < ${a.targetP99Ms} ms added` : ''}`,
        i === 1 && Number.isFinite(x.addedP99) ? x.addedP99 < a.targetP99Ms : undefined,
      ),
    ]);
  },
  diff: (r) => {
    const d = r.diff;
    if (!d?.rows) return [];
    const w = d.rows.writeToEvent;
    const g = d.rows.plainGitDiff;
    return [
      row(
        'file write → live diff SSE event, p50 / p99',
        w ? `${ms(w.p50)} / ${ms(w.p99)}` : '—',
        g ? `${ms(g.p50)} / ${ms(g.p99)} (git diff HEAD)` : '—',
        `${w && g ? ratio(w.p50, g.p50) : '—'}; target p50 < ${d.targetP50Ms} ms`,
        w ? w.p50 < d.targetP50Ms : undefined,
      ),
    ];
  },
  web: (r) => {
    const w = r.web ?? {};
    const kb = (/** @type {number | undefined} */ b) => (b === undefined ? '—' : `${fmt(b / 1024, 1)} KB`);
    return [
      row(
        'first-load JavaScript, gzip',
        kb(w.firstLoadGzipBytes),
        `${kb(w.baselineGzipBytes)} (empty React 19 app)`,
        `${w.firstLoadGzipBytes && w.baselineGzipBytes ? ratio(w.firstLoadGzipBytes, w.baselineGzipBytes) : '—'}; target ≤ ${kb(w.targetBytes)}`,
        w.met,
      ),
    ];
  },
};

/**
 * @param {string} suite
 * @param {Record<string, unknown>} result  what the suite returned
 * @returns {ReportRow[]}
 */
export function reportRows(suite, result) {
  const extract = EXTRACTORS[suite];
  if (!extract) return [];
  try {
    return extract(result);
  } catch (error) {
    return [
      row('(figures could not be read)', error instanceof Error ? error.message : String(error), '—', '—'),
    ];
  }
}
