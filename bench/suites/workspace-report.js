// Prints the workspace suite's table: one line per case and mode, each
// Hangar line with what it adds over the raw bubblewrap baseline of the same
// mode (over spawning the command on the host when bwrap is missing) and how
// many times it takes, then the target.
import { fmt, latency } from '../lib/stats.js';

/**
 * Bubblewrap workspaces: create → first command's output, p50, within this many times a bare bwrap
 * launch of the same command measured in the same run, one at a time and concurrently (issue 18).
 */
export const TARGET_RATIO = 3;

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
 * @returns {{ targetRatio: number, modes: Record<string, { p50Ms: number, baseMs: number, ratio: number, met: boolean } | { skipped: string }> }}
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
      const refP50 = ref ? latency(ref.results.map((t) => t.totalMs)).p50 : Number.NaN;
      const over =
        !row.baseline && ref && total.n > 0
          ? `+${fmt(total.p50 - refP50)} ms, ${fmt(total.p50 / refP50)}×`
          : '';
      console.log(
        `    ${label.padEnd(52)}${String(total.n).padStart(4)}${fmt(total.p50).padStart(9)}${fmt(total.p99).padStart(9)}` +
          `${fmt(total.mean).padStart(9)}${fmt(create.p50).padStart(9)}${fmt(exec.p50).padStart(9)}` +
          `${String(row.errors.length).padStart(8)}  ${over}`.trimEnd(),
      );
    }
  }
  console.log(
    '  create: POST /api/workspaces?wait=true answered, p50; exec: POST …/exec answered (with the output), p50.' +
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

  /** @type {Record<string, { p50Ms: number, baseMs: number, ratio: number, met: boolean } | { skipped: string }>} */
  const modes = {};
  for (const mode of /** @type {const} */ (['sequential', 'concurrent'])) {
    const name = mode === 'sequential' ? 'one at a time' : `${options.concurrent} concurrent`;
    const bubblewrap = rows.find((r) => r.key === 'bubblewrap' && r.mode === mode);
    const base = measured('raw-bwrap', mode);
    if (!bubblewrap || bubblewrap.results.length === 0 || !base) {
      const why = !base
        ? 'no bare bwrap baseline'
        : (bubblewrap?.skipped ?? (bubblewrap ? 'every sample failed' : 'not in this run'));
      console.log(
        `\n  target (bubblewrap within ${TARGET_RATIO}× bare bwrap, ${name}): not measured: ${why}`,
      );
      modes[mode] = { skipped: why };
      continue;
    }
    const p50Ms = latency(bubblewrap.results.map((t) => t.totalMs)).p50;
    const baseMs = latency(base.results.map((t) => t.totalMs)).p50;
    const ratio = p50Ms / baseMs;
    const met = ratio <= TARGET_RATIO;
    modes[mode] = { p50Ms, baseMs, ratio, met };
    console.log(
      `${mode === 'sequential' ? '\n' : ''}  target: bubblewrap, create → first command's output, ${name}, p50 within ${TARGET_RATIO}× a bare bwrap launch: ` +
        `${fmt(p50Ms)} ms vs ${fmt(baseMs)} ms = ${fmt(ratio)}×, ${met ? 'met' : 'NOT met'}`,
    );
  }
  return { targetRatio: TARGET_RATIO, modes };
}
