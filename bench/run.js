#!/usr/bin/env node
// Hangar's benchmarks, each compared with a baseline measured in the same run
// on the same machine, so the figures say what Hangar adds rather than how
// fast this machine is:
//   startup:   spawn `hangar serve` until GET /api/health answers 200 (baseline: bare node:http)
//   health:    req/s and latency of GET /api/health under a bounded load (baseline: bare node:http)
//   workspace: create an empty workspace → first command done, per sandbox driver, one at a
//              time and concurrently (baselines: `true` spawned on the host, bare bwrap)
//   terminal:  `cat` of a 100 MB file (effective MB/s) and keystroke echo (p50/p99) in one shell of
//              one bubblewrap sandbox, through Hangar's WebSocket (baselines: WeTTY, and a local
//              node-pty reader of the same tmux session: the limit)
//   llm-proxy: time to first token and tokens/s of streamed Anthropic Messages and OpenAI Chat
//              Completions answers of the scripted provider, through Hangar's LLM proxy
//              (baseline: the same requests sent to the provider directly, taking turns; context:
//              through a bare Node proxy hop)
//   agent-events: a token from the scripted provider's socket write to an SSE client's read of its
//              TEXT_MESSAGE_CONTENT event, through Pi sessions in a bubblewrap sandbox, p50/p99, one
//              session at a time and 20 at once (baseline: the same Pi package as `pi --mode rpc`
//              on the host, pointed at the provider, its stdout read: added by Hangar = Hangar − that,
//              the figure held against the target; also Hangar − a client reading the provider
//              directly, which counts Pi's own processing too)
//   diff:      a file write → the live diff's SSE event, on a generated 20,000-file repository
//              with 200 changed files, p50/p99 (baseline: a plain `git diff HEAD` of that tree)
//   web:       the web app's first-load JavaScript, gzip, against 250 KB (baseline: an empty React
//              app built with the same Vite in the same run)
// Writes bench/results/latest.md: machine, load and date, then a table per suite (figure, Hangar,
// baseline, ratio or target, met?) and each suite's printed output (--report FILE, --no-report).
// Loopback only; stops only the processes it started; removes its temp dirs.
//
// Usage: npm run bench [-- SUITE...] [options]      no SUITE: all of them
//   startup, health: --runs 5 --rounds 3 --requests 10000 --concurrency 32 --max-seconds 15 --warmup 500
//   workspace:       --samples 20 --concurrent 20 --workspace-warmup 2 --drivers bubblewrap,podman,host
//                    --podman-rootfs DIR --uid-base 500000 --workspace-seconds 180
//   terminal:        --terminal-rounds 3 --echo-samples 200 --terminal-mb 100 --terminal-seconds 600
//                    --uid-base 500000
//   llm-proxy:       --llm-samples 200 --llm-warmup 1500 --llm-concurrent 10 --llm-batches 20
//                    --llm-seconds 120
//   agent-events:    --agent-tokens 50 --agent-rounds 3 --agent-concurrent 20 --agent-interval-ms 20
//                    --agent-seconds 300 --agent-uid-base 940000
//   diff:            --diff-writes 30 --diff-uid-base 1300000 (random block of 1000 above it)
//   any:             --json FILE, --report FILE, --no-report, --startup-timeout MS
//        node bench/run.js --baseline-only     (the baselines alone; no Hangar build needed)
//        node bench/run.js --hangar-bin PATH   (another build's CLI entry point)
import { writeFileSync, existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killAllStarted } from './lib/processes.js';
import { capturingOutput, loadAverages, writeReport } from './lib/report.js';
import { TempDirs } from './lib/temp-dirs.js';
import { agentEventsSuite } from './suites/agent-events.js';
import { diffSuite } from './suites/diff.js';
import { llmProxySuite } from './suites/llm-proxy.js';
import { healthSuite, startupSuite } from './suites/server.js';
import { terminalSuite } from './suites/terminal.js';
import { webSuite } from './suites/web.js';
import { WORKSPACE_DRIVERS, workspaceSuite } from './suites/workspace.js';

const SUITES = ['startup', 'health', 'workspace', 'terminal', 'llm-proxy', 'agent-events', 'diff', 'web'];

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '5' },
    requests: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '32' },
    'max-seconds': { type: 'string', default: '15' },
    warmup: { type: 'string', default: '500' },
    samples: { type: 'string', default: '20' },
    concurrent: { type: 'string', default: '20' },
    'workspace-warmup': { type: 'string', default: '2' },
    'workspace-seconds': { type: 'string', default: '180' },
    drivers: { type: 'string', default: WORKSPACE_DRIVERS.join(',') },
    'terminal-rounds': { type: 'string', default: '3' },
    'echo-samples': { type: 'string', default: '200' },
    'terminal-mb': { type: 'string', default: '100' },
    'terminal-seconds': { type: 'string', default: '600' },
    'llm-samples': { type: 'string', default: '200' },
    'llm-warmup': { type: 'string', default: '1500' },
    'llm-concurrent': { type: 'string', default: '10' },
    'llm-batches': { type: 'string', default: '20' },
    'llm-seconds': { type: 'string', default: '120' },
    'agent-tokens': { type: 'string', default: '50' },
    'agent-rounds': { type: 'string', default: '3' },
    'agent-concurrent': { type: 'string', default: '20' },
    'agent-interval-ms': { type: 'string', default: '20' },
    'agent-seconds': { type: 'string', default: '300' },
    // Its own range, clear of the other suites': Pi sessions run under these uids.
    'agent-uid-base': { type: 'string', default: '940000' },
    'diff-writes': { type: 'string', default: '30' },
    'diff-uid-base': { type: 'string', default: '1300000' },
    // Where scripts/provision-podman-rootfs.sh builds it.
    'podman-rootfs': {
      type: 'string',
      default: process.env.HANGAR_PODMAN_ROOTFS ?? '/var/cache/hangar/rootfs-bookworm',
    },
    // Sandbox uids of the benchmarked server: a range no one else uses, checked at start.
    'uid-base': { type: 'string', default: '500000' },
    'startup-timeout': { type: 'string', default: '30000' },
    json: { type: 'string' },
    report: { type: 'string', default: 'bench/results/latest.md' },
    'no-report': { type: 'boolean', default: false },
    'baseline-only': { type: 'boolean', default: false },
    // The CLI entry point to run as `node <bin> serve`; for trying another build.
    'hangar-bin': { type: 'string' },
  },
});

const unknown = positionals.filter((name) => !SUITES.includes(name));
if (unknown.length > 0)
  usageError(`unknown suite ${unknown.join(', ')}; the suites are ${SUITES.join(', ')}`);
const selected = positionals.length > 0 ? SUITES.filter((s) => positionals.includes(s)) : SUITES;
const drivers = opts.drivers.split(',').filter(Boolean);
const badDriver = drivers.find((d) => !(/** @type {readonly string[]} */ (WORKSPACE_DRIVERS).includes(d)));
if (badDriver) usageError(`--drivers: unknown driver ${badDriver}; use ${WORKSPACE_DRIVERS.join(', ')}`);

const root = fileURLToPath(new URL('..', import.meta.url));
const tempDirs = new TempDirs();
/** @type {(() => void)[]} */
const exitHooks = [];
/** @type {import('./suites/suite.js').SuiteContext} */
const ctx = {
  cliBin: path.resolve(opts['hangar-bin'] ?? path.join(root, 'packages/cli/dist/bin.js')),
  withHangar: !opts['baseline-only'],
  startupTimeoutMs: positiveInt('startup-timeout', 1000, 120_000),
  tempDirs,
  atExit: (hook) => exitHooks.push(hook),
};

// Every option is checked before any suite runs.
const startupOptions = { runs: positiveInt('runs', 1, 50) };
const healthOptions = {
  rounds: positiveInt('rounds', 1, 20),
  load: {
    requests: positiveInt('requests', 1, 1_000_000),
    concurrency: positiveInt('concurrency', 1, 512),
    maxSeconds: positiveInt('max-seconds', 1, 120),
    warmup: positiveInt('warmup', 0, 100_000),
  },
};
const workspaceOptions = {
  samples: positiveInt('samples', 1, 200),
  concurrent: positiveInt('concurrent', 1, 100),
  warmup: positiveInt('workspace-warmup', 0, 20),
  maxSeconds: positiveInt('workspace-seconds', 10, 1800),
  uidBase: positiveInt('uid-base', 1000, 2 ** 31 - 100_000),
  drivers,
  podmanRootfs: path.resolve(opts['podman-rootfs']),
};
const terminalOptions = {
  rounds: positiveInt('terminal-rounds', 1, 20),
  echoSamples: positiveInt('echo-samples', 1, 2000),
  megabytes: positiveInt('terminal-mb', 1, 1000),
  maxSeconds: positiveInt('terminal-seconds', 30, 3600),
  uidBase: workspaceOptions.uidBase,
};
const llmProxyOptions = {
  samples: positiveInt('llm-samples', 1, 5000),
  warmup: positiveInt('llm-warmup', 0, 20_000),
  concurrent: positiveInt('llm-concurrent', 1, 100),
  batches: positiveInt('llm-batches', 1, 500),
  maxSeconds: positiveInt('llm-seconds', 5, 1800),
};
const agentEventsOptions = {
  tokens: positiveInt('agent-tokens', 1, 999),
  rounds: positiveInt('agent-rounds', 1, 99),
  concurrent: positiveInt('agent-concurrent', 1, 99),
  intervalMs: positiveInt('agent-interval-ms', 1, 1000),
  maxSeconds: positiveInt('agent-seconds', 10, 3600),
  uidBase: positiveInt('agent-uid-base', 1000, 2 ** 31 - 100_000),
};
const diffOptions = {
  writes: positiveInt('diff-writes', 1, 1000),
  baselineRuns: 10,
  uidBase: positiveInt('diff-uid-base', 1000, 2 ** 31 - 200_000) + Math.floor(Math.random() * 90) * 1000,
};
/** @type {Record<string, () => Promise<import('./suites/suite.js').SuiteOutcome>>} */
const suites = {
  startup: () => startupSuite(ctx, startupOptions),
  health: () => healthSuite(ctx, healthOptions),
  workspace: () => workspaceSuite(ctx, workspaceOptions),
  terminal: () => terminalSuite(ctx, terminalOptions),
  'llm-proxy': () => llmProxySuite(ctx, llmProxyOptions),
  'agent-events': () => agentEventsSuite(ctx, agentEventsOptions),
  diff: () => diffSuite(ctx, diffOptions),
  web: () => webSuite(ctx),
};

process.on('exit', () => {
  killAllStarted();
  for (const hook of exitHooks) hook();
  for (const left of tempDirs.removeAll()) console.error(`bench: ${left}`);
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM']))
  process.once(signal, () => process.exit(130));

async function main() {
  if (ctx.withHangar && !existsSync(ctx.cliBin)) {
    console.error(
      `bench: ${path.relative(root, ctx.cliBin)} is missing; run \`npm run build\` (or pass --baseline-only)`,
    );
    process.exitCode = 1;
    return;
  }
  console.log(
    `bench: node ${process.version}, ${availableParallelism()} CPUs, load ${loadavg()[0]?.toFixed(2)} (1 min),` +
      ` ${new Date().toISOString()}, suites: ${selected.join(', ')}`,
  );
  const started = new Date();
  const loadAtStart = loadAverages();
  /** @type {Record<string, unknown>} */
  const result = { node: process.version };
  /** @type {import('./lib/report.js').SuiteRun[]} */
  const runs = [];
  for (const name of selected) {
    const began = performance.now();
    const { value: outcome, output } = await capturingOutput(
      /** @type {() => Promise<import('./suites/suite.js').SuiteOutcome>} */ (suites[name]),
    );
    Object.assign(result, outcome.result);
    if (outcome.failed) process.exitCode = 1;
    runs.push({
      name,
      result: outcome.result,
      failed: outcome.failed,
      seconds: (performance.now() - began) / 1000,
      output,
    });
  }
  if (opts.json) {
    writeFileSync(opts.json, `${JSON.stringify(result, null, 2)}\n`);
    console.log(`\nbench: results written to ${opts.json}`);
  }
  if (!opts['no-report']) {
    const file = path.resolve(root, opts.report);
    const command = ['npm run bench --', ...process.argv.slice(2)].join(' ');
    writeReport(file, { started, command, loadAtStart, suites: runs, allSuites: SUITES });
    console.log(`bench: report written to ${path.relative(root, file)}`);
  }
}

/**
 * @param {'runs' | 'rounds' | 'requests' | 'concurrency' | 'max-seconds' | 'warmup' | 'startup-timeout'
 *   | 'samples' | 'concurrent' | 'workspace-warmup' | 'workspace-seconds' | 'uid-base'
 *   | 'terminal-rounds' | 'echo-samples' | 'terminal-mb' | 'terminal-seconds' | 'llm-samples'
 *   | 'llm-warmup' | 'llm-concurrent' | 'llm-batches' | 'llm-seconds' | 'agent-tokens' | 'agent-rounds'
 *   | 'agent-concurrent' | 'agent-interval-ms' | 'agent-seconds' | 'agent-uid-base' | 'diff-writes'
 *   | 'diff-uid-base'} name
 * @param {number} min
 * @param {number} max
 */
function positiveInt(name, min, max) {
  const value = Number(opts[name]);
  if (!Number.isInteger(value) || value < min || value > max) {
    usageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** @param {string} message */
function usageError(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

main().catch((/** @type {unknown} */ error) => {
  console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
