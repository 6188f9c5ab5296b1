// Prints the workspace suite's table: one line per case and mode, each
// Hangar line with what it adds over the raw bubblewrap baseline of the same
// mode (over spawning `true` when bwrap is missing), then the target.
import { fmt, latency } from '../lib/stats.js';

/** Bubblewrap workspaces, one at a time: create → first command done, p50 under this many ms. */
export const TARGET_P50_MS = 100;

/**
 * @typedef {object} WorkspaceRow
 * @property {string} key
 * @property {string} label
 * @property {boolean} baseline
 * @property {'sequential' | 'concurrent'} mode
 * @property {string | undefined} skipped
 * @property {import('./workspace-cases.js').Timing[]} results
 * @property {string[]} errors
 */

/**
 * @param {WorkspaceRow[]} rows
 * @param {Record<string, number[]>} warmups  discarded samples by case key, in ms
 * @param {{ samples: number, concurrent: number }} options
 * @returns {{ p50Ms: number, targetMs: number, met: boolean } | { skipped: string }}
 */
export function printWorkspaceTable(rows, warmups, options) {
  const measured = (/** @type {string} */ key, /** @type {string} */ mode) =>
    rows.find((r) => r.key === key && r.mode === mode && r.results.length > 0);
  const refKey = rows.some((r) => r.key === 'raw-bwrap' && r.results.length > 0) ? 'raw-bwrap' : 'spawn-true';
  const refName = refKey === 'raw-bwrap' ? 'raw bwrap' : 'spawn true';

  for (const mode of /** @type {const} */ (['sequential', 'concurrent'])) {
    const title =
      mode === 'sequential' ? `one at a time (${options.samples})` : `${options.concurrent} concurrent`;
    console.log(
      `  ${title.padEnd(54)}${'n'.padStart(4)}${'p50'.padStart(9)}${'p99'.padStart(9)}${'mean'.padStart(9)}` +
        `${'create'.padStart(9)}${'exec'.padStart(9)}${'errors'.padStart(8)}  p50 over ${refName}`,
    );
    for (const row of rows.filter((r) => r.mode === mode)) {
      const label = row.baseline ? `${row.label} (baseline)` : row.label;
      if (row.skipped) {
        console.log(`    ${label.padEnd(52)}skipped: ${row.skipped}`);
        continue;
      }
      const total = latency(row.results.map((t) => t.totalMs));
      const create = latency(row.results.flatMap((t) => t.createMs ?? []));
      const exec = latency(row.results.flatMap((t) => t.execMs ?? []));
      const ref = measured(refKey, mode);
      const over =
        !row.baseline && ref && total.n > 0
          ? `+${fmt(total.p50 - latency(ref.results.map((t) => t.totalMs)).p50)} ms`
          : '';
      console.log(
        `    ${label.padEnd(52)}${String(total.n).padStart(4)}${fmt(total.p50).padStart(9)}${fmt(total.p99).padStart(9)}` +
          `${fmt(total.mean).padStart(9)}${fmt(create.p50).padStart(9)}${fmt(exec.p50).padStart(9)}` +
          `${String(row.errors.length).padStart(8)}  ${over}`.trimEnd(),
      );
    }
  }
  console.log(
    '  create: POST /api/workspaces?wait=true answered, p50; exec: POST …/exec ["true"] answered, p50.' +
      '\n  The p99 of fewer than 100 samples is their maximum.',
  );
  for (const [key, values] of Object.entries(warmups)) {
    const label = rows.find((r) => r.key === key)?.label ?? key;
    if (values.length > 0)
      console.log(`  warm-up, not counted: ${label}: ${values.map((v) => fmt(v)).join(', ')} ms`);
  }
  for (const row of rows.filter((r) => r.errors.length > 0)) {
    const mode = row.mode === 'sequential' ? 'one at a time' : 'concurrent';
    console.error(`  ${row.label}, ${mode}: ${row.errors.length} failed, first: ${row.errors[0]}`);
  }

  const bubblewrap = rows.find((r) => r.key === 'bubblewrap' && r.mode === 'sequential');
  if (!bubblewrap || bubblewrap.results.length === 0) {
    const why = bubblewrap?.skipped ?? (bubblewrap ? 'every sample failed' : 'not in this run');
    console.log(`\n  target (bubblewrap p50 under ${TARGET_P50_MS} ms): not measured: ${why}`);
    return { skipped: why };
  }
  const p50Ms = latency(bubblewrap.results.map((t) => t.totalMs)).p50;
  const met = p50Ms < TARGET_P50_MS;
  console.log(
    `\n  target: bubblewrap, empty workspace, one at a time, p50 under ${TARGET_P50_MS} ms: ${fmt(p50Ms)} ms, ${met ? 'met' : 'NOT met'}`,
  );
  return { p50Ms, targetMs: TARGET_P50_MS, met };
}
