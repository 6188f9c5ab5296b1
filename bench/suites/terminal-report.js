// Prints the terminal suite's tables (throughput, then echo latency, one line
// per client) and checks the targets against the limit and WeTTY measured in
// the same run.
import { fmt, latency, summarize } from '../lib/stats.js';

/** Hangar's effective throughput at least this many times WeTTY's. */
export const TARGET_OVER_WETTY = 2;
/** Hangar's effective throughput at least this fraction of the limit's ("within 50%"). */
export const TARGET_OF_LIMIT = 0.5;
/** Hangar's echo round trip, p99 under this many ms. */
export const TARGET_ECHO_P99_MS = 10;

/**
 * @param {import('./terminal.js').ClientResult[]} results
 * @param {{ fileBytes: number, rounds: number, size: { cols: number, rows: number } }} options
 */
export function printTerminalReport(results, { fileBytes, rounds, size }) {
  const mb = fileBytes / 1e6;
  console.log(
    [
      `  throughput: time from typing Enter on \`cat FILE; echo END-$((…))\` until the client has received the`,
      `  marker that echo prints (found in the byte stream); effective MB/s = ${mb} MB (the file) / that time.`,
      `  tmux redraws the screen rather than forwarding every byte, so "deliv. MB" (what the client received;`,
      `  without tmux the PTY adds a CR to each line) and "msgs" (messages, or PTY reads) are shown too.`,
      `  Medians over ${rounds} round(s). CPU seconds during the cat: "relay" the process carrying the bytes`,
      `  (Hangar's server, WeTTY), "tmux" the sandbox's tmux server, "client" this process (the reader).`,
      `  Every client acknowledges on receipt, without rendering; all at ${size.cols}x${size.rows}, on loopback.`,
      `  "tmux alone" is the same cat with no client attached, timed inside the pane: how fast tmux's server`,
      `  takes output in (it parses every byte, whoever reads), so no reader of a tmux terminal gets more.`,
      `  "the PTY alone" is cat writing into a PTY that script (C) reads and discards, timed inside the`,
      `  sandbox: no shell, tmux, relay or network, so no terminal of this machine, with or without tmux, gets more.`,
    ].join('\n'),
  );
  const widths = [8, 8, 11, 8, 8, 7, 8, 8];
  const cells = (/** @type {string[]} */ values) => values.map((v, i) => v.padStart(widths[i] ?? 8)).join('');
  console.log(
    `  ${'client'.padEnd(44)}` +
      cells(['MB/s', 'time s', 'deliv. MB', 'msgs', 'relay', 'tmux', 'client', 'errors']),
  );
  /** @type {Map<string, number>} */
  const rates = new Map();
  for (const r of results) {
    if (r.skipped) {
      console.log(`    ${r.label.padEnd(42)}skipped: ${r.skipped}`);
      continue;
    }
    const median = (/** @type {(c: import('./terminal.js').CatSample) => number} */ pick) =>
      summarize(r.cats.map(pick)).median;
    const seconds = median((c) => c.ms) / 1000;
    if (r.cats.length > 0) rates.set(r.key, mb / seconds);
    const cpu = (/** @type {string} */ name) => {
      const used = median((c) => c.cpu[name] ?? Number.NaN);
      return fmt(used, 2);
    };
    const messages = median((c) => c.chunks);
    const read = r.key !== 'tmuxAlone' && r.key !== 'ptyAlone'; // timed inside the sandbox: no client
    const values = [
      fmt(mb / seconds),
      fmt(seconds, 2),
      read ? fmt(median((c) => c.deliveredBytes) / 1e6) : '-',
      read ? fmt(messages, 0) : '-',
      ['hangar', 'wetty', 'wettyRaw'].includes(r.key) ? cpu('relay') : '-',
      r.key === 'ptyAlone' ? '-' : cpu('tmuxServer'),
      read ? cpu('client') : '-',
      String(r.errors.length),
    ];
    console.log(`    ${r.label.padEnd(42)}${cells(values)}`);
  }
  console.log(
    `  each round's MB/s: ${results
      .filter((r) => r.cats.length > 0)
      .map((r) => `${r.key} ${r.cats.map((c) => fmt(mb / (c.ms / 1000))).join(', ')}`)
      .join('; ')}`,
  );

  console.log(
    `\n  echo: one character typed until output showing it arrives, ms (backspace between, not timed)`,
  );
  console.log(
    `  ${'client'.padEnd(44)}${'n'.padStart(5)}${'p50'.padStart(8)}${'p99'.padStart(8)}${'mean'.padStart(8)}` +
      `${`>${TARGET_ECHO_P99_MS}ms`.padStart(7)}  p99 of each round`,
  );
  for (const r of results.filter((r) => !r.skipped && r.echoRounds.length > 0)) {
    const all = r.echoRounds.flat();
    const l = latency(all);
    const slow = all.filter((ms) => ms > TARGET_ECHO_P99_MS).length;
    const byRound = r.echoRounds.map((round) => fmt(latency(round).p99, 2)).join(', ');
    console.log(
      `    ${r.label.padEnd(42)}${String(l.n).padStart(5)}${fmt(l.p50, 2).padStart(8)}${fmt(l.p99, 2).padStart(8)}` +
        `${fmt(l.mean, 2).padStart(8)}${String(slow).padStart(7)}  ${byRound}`,
    );
  }
  for (const r of results.filter((r) => r.errors.length > 0))
    console.error(`  ${r.label}: ${r.errors.length} error(s), first: ${r.errors[0]}`);
  return printTargets(results, rates);
}

/**
 * @param {import('./terminal.js').ClientResult[]} results
 * @param {Map<string, number>} rates  effective MB/s by client key
 */
function printTargets(results, rates) {
  const hangar = rates.get('hangar');
  const wetty = rates.get('wetty');
  const limit = rates.get('limit');
  const tmuxAlone = rates.get('tmuxAlone');
  const wettyRaw = rates.get('wettyRaw');
  const ptyAlone = rates.get('ptyAlone');
  const echo = latency(results.find((r) => r.key === 'hangar')?.echoRounds.flat() ?? []);
  // The same machine's noise: the limit shares tmux and the sandbox, but no server.
  const limitEcho = latency(results.find((r) => r.key === 'limit')?.echoRounds.flat() ?? []);
  const verdict = (/** @type {boolean | undefined} */ met) =>
    met === undefined ? 'not measured' : met ? 'met' : 'NOT met';
  const overWetty = hangar !== undefined && wetty !== undefined ? hangar / wetty : undefined;
  const ofLimit = hangar !== undefined && limit !== undefined ? hangar / limit : undefined;
  const targets = {
    overWetty: { ratio: overWetty, target: TARGET_OVER_WETTY, met: ratioMet(overWetty, TARGET_OVER_WETTY) },
    ofLimit: { ratio: ofLimit, target: TARGET_OF_LIMIT, met: ratioMet(ofLimit, TARGET_OF_LIMIT) },
    echoP99: {
      ms: echo.p99,
      target: TARGET_ECHO_P99_MS,
      met: echo.n > 0 ? echo.p99 < TARGET_ECHO_P99_MS : undefined,
    },
  };
  console.log(
    `\n  targets:` +
      `\n    throughput at least ${TARGET_OVER_WETTY}x WeTTY's: Hangar ${fmt(hangar ?? NaN)} MB/s, WeTTY ${fmt(wetty ?? NaN)} MB/s` +
      ` (${fmt(overWetty ?? NaN, 2)}x): ${verdict(targets.overWetty.met)}` +
      (wetty !== undefined && tmuxAlone !== undefined
        ? `\n      (${TARGET_OVER_WETTY}x WeTTY is ${fmt(TARGET_OVER_WETTY * wetty)} MB/s; tmux alone, with no reader, takes in` +
          ` ${fmt(tmuxAlone)} MB/s: ${tmuxAlone < TARGET_OVER_WETTY * wetty ? 'out of reach for any reader of a tmux terminal' : 'within reach'})`
        : '') +
      (wettyRaw !== undefined && ptyAlone !== undefined
        ? `\n      (without tmux, WeTTY reads the same sandbox's shell at ${fmt(wettyRaw)} MB/s, so ${TARGET_OVER_WETTY}x is` +
          ` ${fmt(TARGET_OVER_WETTY * wettyRaw)} MB/s; the PTY alone, read by C with nothing else on the path, carries` +
          ` ${fmt(ptyAlone)} MB/s (${fmt(ptyAlone / (TARGET_OVER_WETTY * wettyRaw), 2)}x of that))`
        : '') +
      `\n    throughput within 50% of the limit (at least ${TARGET_OF_LIMIT}x): Hangar ${fmt(hangar ?? NaN)} MB/s,` +
      ` limit ${fmt(limit ?? NaN)} MB/s (${fmt(ofLimit ?? NaN, 2)}x): ${verdict(targets.ofLimit.met)}` +
      `\n    echo p99 under ${TARGET_ECHO_P99_MS} ms: Hangar ${fmt(echo.p99, 2)} ms over ${echo.n}` +
      ` (the limit's: ${fmt(limitEcho.p99, 2)} ms): ${verdict(targets.echoP99.met)}`,
  );
  return targets;
}

/**
 * @param {number | undefined} ratio
 * @param {number} target
 */
function ratioMet(ratio, target) {
  return ratio === undefined || !Number.isFinite(ratio) ? undefined : ratio >= target;
}
