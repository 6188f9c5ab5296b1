// Writes a benchmark run as Markdown (bench/results/latest.md): the machine
// and its load, then one table per suite (figure, Hangar, the baseline from
// the same run, ratio or target, met?) and the suite's own printed output.
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { format } from 'node:util';
import path from 'node:path';
import { reportRows } from './report-suites.js';

/**
 * @typedef {object} SuiteRun
 * @property {string} name
 * @property {Record<string, unknown>} result
 * @property {boolean} failed
 * @property {number} seconds
 * @property {string} output  what the suite printed
 */

/** Load averages (1, 5, 15 min), two decimals. */
export function loadAverages() {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
}

/**
 * @param {object} run
 * @param {Date} run.started
 * @param {string} run.command
 * @param {string} run.loadAtStart
 * @param {SuiteRun[]} run.suites
 * @param {readonly string[]} run.allSuites
 * @returns {string}
 */
export function renderReport(run) {
  const model = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    '# Hangar benchmarks',
    '',
    'Written by `npm run bench` (bench/run.js). Every figure is measured beside its baseline in the same run,',
    'on the same machine, so the table says what Hangar adds rather than how fast the machine is.',
    '',
    `- Date: ${run.started.toISOString()}`,
    `- Command: \`${run.command}\``,
    `- Machine: ${availableParallelism()} CPUs (${model}), ${(totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${process.platform} ${process.arch}`,
    `- Node: ${process.version}`,
    `- Load average (1 / 5 / 15 min): ${run.loadAtStart} at the start, ${loadAverages()} at the end`,
    `- Suites in this run: ${run.suites.map((s) => s.name).join(', ') || 'none'}`,
  ];
  const missing = run.allSuites.filter((name) => !run.suites.some((s) => s.name === name));
  if (missing.length > 0) lines.push(`- Not in this run: ${missing.join(', ')}`);
  for (const suite of run.suites) {
    lines.push('', `## ${suite.name}`, '');
    lines.push(
      `${suite.failed ? '**The suite reported a problem** (see its output). ' : ''}Took ${suite.seconds.toFixed(0)} s.`,
      '',
    );
    const rows = reportRows(suite.name, suite.result);
    if (rows.length > 0) {
      lines.push(
        '| Figure | Hangar | Baseline (same run) | Ratio / target | Met? |',
        '| --- | --- | --- | --- | --- |',
      );
      for (const r of rows)
        lines.push(`| ${[r.figure, r.value, r.baseline, r.vs, r.met].map(cell).join(' | ')} |`);
      lines.push('');
    }
    lines.push(
      '<details><summary>Output</summary>',
      '',
      '```text',
      suite.output.trimEnd(),
      '```',
      '',
      '</details>',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** @param {string} text */
function cell(text) {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/**
 * @param {string} file
 * @param {Parameters<typeof renderReport>[0]} run
 */
export function writeReport(file, run) {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, renderReport(run));
}

/**
 * Runs `fn` with console.log and console.error also copied into the returned text.
 * @template T
 * @param {() => Promise<T>} fn
 * @returns {Promise<{ value: T, output: string }>}
 */
export async function capturingOutput(fn) {
  const { log, error } = console;
  /** @type {string[]} */
  const output = [];
  const tee =
    (/** @type {(...args: unknown[]) => void} */ original) =>
    (/** @type {unknown[]} */ ...args) => {
      output.push(format(...args));
      original(...args);
    };
  console.log = tee(log);
  console.error = tee(error);
  try {
    const value = await fn();
    return { value, output: output.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}
