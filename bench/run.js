#!/usr/bin/env node
// Hangar's benchmarks, each compared with a bare node:http server measured in
// the same run on the same machine (the baseline), so the figures say what
// Hangar adds rather than how fast this machine is:
//   startup: spawn `hangar serve` until GET /api/health answers 200
//   health:  req/s and p50/p99 latency of GET /api/health under a bounded
//            closed loop of keep-alive requests
// Loopback only; stops only the processes it started; removes its temp dirs.
//
// Usage: npm run bench [-- --runs 5 --rounds 3 --requests 10000 --concurrency 32 --max-seconds 15 --json FILE]
//        node bench/run.js --baseline-only     (no Hangar build needed)
//        node bench/run.js --hangar-bin PATH   (another build's CLI entry point)
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runLoad } from './lib/load.js';
import { killAllStarted, startServer, stopServer } from './lib/processes.js';
import { fmt, summarize } from './lib/stats.js';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    requests: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    'max-seconds': { type: 'string', default: '15' },
    warmup: { type: 'string', default: '500' },
    'startup-timeout': { type: 'string', default: '30000' },
    json: { type: 'string' },
    'baseline-only': { type: 'boolean', default: false },
    // The CLI entry point to run as `node <bin> serve`; for trying another build.
    'hangar-bin': { type: 'string' },
  },
});
const runs = positiveInt('runs', 1, 50);
const rounds = positiveInt('rounds', 1, 20);
const load = {
  requests: positiveInt('requests', 1, 1_000_000),
  concurrency: positiveInt('concurrency', 1, 512),
  maxSeconds: positiveInt('max-seconds', 1, 120),
  warmup: positiveInt('warmup', 0, 100_000),
};
const startupTimeoutMs = positiveInt('startup-timeout', 1000, 120_000);

const root = fileURLToPath(new URL('..', import.meta.url));
const cliBin = path.resolve(opts['hangar-bin'] ?? path.join(root, 'packages/cli/dist/bin.js'));
const bareServer = fileURLToPath(new URL('./lib/bare-server.js', import.meta.url));

/** @type {Set<string>} */
const tempDirs = new Set();
process.on('exit', () => {
  killAllStarted();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => process.exit(130));

/** @returns {Promise<import('./lib/processes.js').Started>} */
function startBaseline() {
  return startServer({ command: process.execPath, args: [bareServer], timeoutMs: startupTimeoutMs });
}

/**
 * @param {string} dataDir
 * @returns {Promise<import('./lib/processes.js').Started>}
 */
function startHangar(dataDir) {
  return startServer({
    command: process.execPath,
    args: [cliBin, 'serve'],
    env: { ...process.env, HANGAR_DATA_DIR: dataDir, HANGAR_PORT: '0', HANGAR_AUTH: 'none' },
    timeoutMs: startupTimeoutMs,
  });
}

function newDataDir() {
  const dir = mkdtempSync(path.join(tmpdir(), 'hangar-bench-'));
  tempDirs.add(dir);
  return dir;
}

/** @param {string} dir */
function removeDataDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * Time to healthy, in ms: once with a new data dir (first start: creates the
 * database) and once more on the same dir (a restart).
 */
async function hangarStartups() {
  const dir = newDataDir();
  try {
    const first = await startHangar(dir);
    await stopServer(first.child);
    const again = await startHangar(dir);
    await stopServer(again.child);
    return { fresh: first.healthyMs, existing: again.healthyMs };
  } finally {
    removeDataDir(dir);
  }
}

/**
 * Medians over the rounds; this machine's other load makes one round noisy.
 * @param {import('./lib/load.js').LoadResult[]} results
 */
function medianLoad(results) {
  const median = (/** @type {(r: import('./lib/load.js').LoadResult) => number} */ pick) =>
    summarize(results.map(pick)).median;
  return {
    rps: median((r) => r.rps),
    p50Ms: median((r) => r.p50Ms),
    p99Ms: median((r) => r.p99Ms),
    requests: results.reduce((n, r) => n + r.requests, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
  };
}

/**
 * @param {() => Promise<import('./lib/processes.js').Started>} start
 */
async function measureLoad(start) {
  const server = await start();
  try {
    return await runLoad(new URL('/api/health', server.url), load);
  } finally {
    await stopServer(server.child);
  }
}

async function main() {
  const withHangar = !opts['baseline-only'];
  if (withHangar && !existsSync(cliBin)) {
    console.error(
      `bench: ${path.relative(root, cliBin)} is missing; run \`npm run build\` (or pass --baseline-only)`,
    );
    process.exitCode = 1;
    return;
  }
  console.log(`bench: node ${process.version}, ${availableParallelism()} CPUs, ${new Date().toISOString()}`);

  /** @type {{ baseline: number[], fresh: number[], existing: number[] }} */
  const startup = { baseline: [], fresh: [], existing: [] };
  // Interleaved so that drift in machine load affects both sides alike.
  for (let i = 0; i < runs; i++) {
    const base = await startBaseline();
    await stopServer(base.child);
    startup.baseline.push(base.healthyMs);
    if (withHangar) {
      const hangar = await hangarStartups();
      startup.fresh.push(hangar.fresh);
      startup.existing.push(hangar.existing);
    }
  }

  console.log(`\nstartup: spawn until GET /api/health answers 200, ms over ${runs} run(s)`);
  const base = summarize(startup.baseline);
  const rows = [['bare node:http (baseline)', startup.baseline]];
  if (withHangar)
    rows.push(['hangar, new data dir', startup.fresh], ['hangar, existing data dir', startup.existing]);
  console.log(
    `  ${'server'.padEnd(28)}${'median'.padStart(9)}${'min'.padStart(9)}${'max'.padStart(9)}  vs baseline`,
  );
  for (const [name, values] of /** @type {[string, number[]][]} */ (rows)) {
    const s = summarize(values);
    const ratio = values === startup.baseline ? '' : `  ${fmt(s.median / base.median, 1)}x`;
    console.log(
      `  ${name.padEnd(28)}${fmt(s.median).padStart(9)}${fmt(s.min).padStart(9)}${fmt(s.max).padStart(9)}${ratio}`,
    );
  }

  const { requests, concurrency, maxSeconds } = load;
  console.log(
    `\nGET /api/health: ${concurrency} concurrent keep-alive requests, ${requests} requests or ${maxSeconds} s after ${load.warmup} warm-up, median of ${rounds} round(s)`,
  );
  /** @type {{ baseline: import('./lib/load.js').LoadResult[], hangar: import('./lib/load.js').LoadResult[] }} */
  const loadRounds = { baseline: [], hangar: [] };
  for (let i = 0; i < rounds; i++) {
    loadRounds.baseline.push(await measureLoad(startBaseline));
    if (withHangar) {
      const dir = newDataDir();
      try {
        loadRounds.hangar.push(await measureLoad(() => startHangar(dir)));
      } finally {
        removeDataDir(dir);
      }
    }
  }
  const baselineLoad = medianLoad(loadRounds.baseline);
  const hangarLoad = withHangar ? medianLoad(loadRounds.hangar) : undefined;
  console.log(
    `  ${'server'.padEnd(28)}${'req/s'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'errors'.padStart(8)}  vs baseline`,
  );
  for (const [name, r] of /** @type {const} */ ([
    ['bare node:http (baseline)', baselineLoad],
    ['hangar', hangarLoad],
  ])) {
    if (!r) continue;
    const ratio = r === baselineLoad ? '' : `  ${fmt(r.rps / baselineLoad.rps, 2)}x req/s`;
    console.log(
      `  ${name.padEnd(28)}${fmt(r.rps, 0).padStart(9)}${fmt(r.p50Ms, 2).padStart(9)}${fmt(r.p99Ms, 2).padStart(9)}${String(r.errors).padStart(8)}${ratio}`,
    );
  }

  const errors = baselineLoad.errors + (hangarLoad?.errors ?? 0);
  if (errors > 0) {
    console.error(`\nbench: ${errors} request(s) failed or did not answer 200`);
    process.exitCode = 1;
  }
  if (opts.json) {
    const result = { node: process.version, runs, load, startup, health: loadRounds };
    writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nbench: results written to ${opts.json}`);
  }
}

/**
 * @param {'runs' | 'rounds' | 'requests' | 'concurrency' | 'max-seconds' | 'warmup' | 'startup-timeout'} name
 * @param {number} min
 * @param {number} max
 */
function positiveInt(name, min, max) {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    console.error(`bench: --${name} must be an integer from ${min} to ${max}`);
    process.exit(2);
  }
  return value;
}

main().catch((/** @type {unknown} */ error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
