// The server suites, each compared with a bare node:http server measured in
// the same run (the baseline):
//   startup: spawn `hangar serve` until GET /api/health answers 200
//   health:  req/s and p50/p99 latency of GET /api/health under a bounded
//            closed loop of keep-alive requests
import { fileURLToPath } from 'node:url';
import { runLoad } from '../lib/load.js';
import { hangarEnv, startServer, stopServer } from '../lib/processes.js';
import { fmt, summarize } from '../lib/stats.js';

const bareServer = fileURLToPath(new URL('../lib/bare-server.js', import.meta.url));

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @returns {Promise<import('../lib/processes.js').Started>}
 */
function startBaseline(ctx) {
  return startServer({ command: process.execPath, args: [bareServer], timeoutMs: ctx.startupTimeoutMs });
}

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {string} dataDir
 * @returns {Promise<import('../lib/processes.js').Started>}
 */
function startHangar(ctx, dataDir) {
  return startServer({
    command: process.execPath,
    args: [ctx.cliBin, 'serve'],
    env: hangarEnv({ HANGAR_DATA_DIR: dataDir, HANGAR_PORT: '0', HANGAR_AUTH: 'none' }),
    timeoutMs: ctx.startupTimeoutMs,
  });
}

/**
 * Time to healthy, in ms: once with a new data dir (first start: creates the
 * database) and once more on the same dir (a restart).
 * @param {import('./suite.js').SuiteContext} ctx
 */
async function hangarStartups(ctx) {
  const dir = ctx.tempDirs.create();
  try {
    const first = await startHangar(ctx, dir);
    await stopServer(first.child);
    const again = await startHangar(ctx, dir);
    await stopServer(again.child);
    return { fresh: first.healthyMs, existing: again.healthyMs };
  } finally {
    ctx.tempDirs.remove(dir);
  }
}

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {{ runs: number }} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function startupSuite(ctx, { runs }) {
  /** @type {{ baseline: number[], fresh: number[], existing: number[] }} */
  const startup = { baseline: [], fresh: [], existing: [] };
  // Interleaved so that drift in machine load affects both sides alike.
  for (let i = 0; i < runs; i++) {
    const base = await startBaseline(ctx);
    await stopServer(base.child);
    startup.baseline.push(base.healthyMs);
    if (ctx.withHangar) {
      const hangar = await hangarStartups(ctx);
      startup.fresh.push(hangar.fresh);
      startup.existing.push(hangar.existing);
    }
  }

  console.log(`\nstartup: spawn until GET /api/health answers 200, ms over ${runs} run(s)`);
  const base = summarize(startup.baseline);
  const rows = [['bare node:http (baseline)', startup.baseline]];
  if (ctx.withHangar)
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
  return { result: { runs, startup }, failed: false };
}

/**
 * Medians over the rounds; this machine's other load makes one round noisy.
 * @param {import('../lib/load.js').LoadResult[]} results
 */
function medianLoad(results) {
  const median = (/** @type {(r: import('../lib/load.js').LoadResult) => number} */ pick) =>
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
 * @param {() => Promise<import('../lib/processes.js').Started>} start
 * @param {{ concurrency: number, requests: number, maxSeconds: number, warmup: number }} load
 */
async function measureLoad(start, load) {
  const server = await start();
  try {
    return await runLoad(new URL('/api/health', server.url), load);
  } finally {
    await stopServer(server.child);
  }
}

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {{ rounds: number, load: { concurrency: number, requests: number, maxSeconds: number, warmup: number } }} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function healthSuite(ctx, { rounds, load }) {
  const { requests, concurrency, maxSeconds } = load;
  console.log(
    `\nGET /api/health: ${concurrency} concurrent keep-alive requests, ${requests} requests or ${maxSeconds} s after ${load.warmup} warm-up, median of ${rounds} round(s)`,
  );
  /** @type {{ baseline: import('../lib/load.js').LoadResult[], hangar: import('../lib/load.js').LoadResult[] }} */
  const loadRounds = { baseline: [], hangar: [] };
  for (let i = 0; i < rounds; i++) {
    loadRounds.baseline.push(await measureLoad(() => startBaseline(ctx), load));
    if (ctx.withHangar) {
      const dir = ctx.tempDirs.create();
      try {
        loadRounds.hangar.push(await measureLoad(() => startHangar(ctx, dir), load));
      } finally {
        ctx.tempDirs.remove(dir);
      }
    }
  }
  const baselineLoad = medianLoad(loadRounds.baseline);
  const hangarLoad = ctx.withHangar ? medianLoad(loadRounds.hangar) : undefined;
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
  if (errors > 0) console.error(`\nbench: ${errors} request(s) failed or did not answer 200`);
  return { result: { load, health: loadRounds }, failed: errors > 0 };
}
