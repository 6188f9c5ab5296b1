// The diff suite: how long a file write takes to reach an SSE client of the
// live diff, on a generated repository of 20,000 files (200 directories of
// 100) with 200 of them changed, in one bubblewrap workspace.
//   latency:   the bench appends a line to a file of the work tree on the host
//              (stamp), and an SSE client of GET /api/workspaces/:id/diff/events
//              reads the `diff` event whose additions count includes it (stamp);
//              p50/p99 over `writes` writes, one at a time.
//   recompute: what the recompute behind each event cost in the server (its
//              Server-Timing header), with its steps: queued (watch event → start),
//              spawn (host side of the sandbox join), first byte (join, then git
//              until it prints), git (the whole sandbox run), parse; the rest of the
//              latency is the watch and the SSE delivery. A write recomputes only the
//              paths the watch reported (`paths`).
//   whole tree: a recompute of the whole tree (what a change of the index costs:
//              `git add` of a file through the exec API, then GET), `fullRuns` times.
//   baseline:  a plain `git diff HEAD` of the same tree run on the host in the same
//              run (no sandbox, no untracked files).
// Target: p50 under 300 ms.
import { execFile } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { hangarApi } from '../lib/hangar-api.js';
import { hangarEnv, startServer, stopServer } from '../lib/processes.js';
import {
  SANDBOX_UID_COUNT,
  assertUidRangeFree,
  cleanUp,
  killAll,
  leftovers,
} from '../lib/sandbox-cleanup.js';
import { messageOf } from '../lib/samples.js';
import { fmt, latency } from '../lib/stats.js';

const run = promisify(execFile);
const TARGET_P50_MS = 300;
const TEMPLATE = 'offline';

/** 200 dirs × 100 files of 20 lines, committed; then one file of each dir changed. */
const GENERATE = `set -e
cd /workspace
awk 'BEGIN { for (d = 0; d < 200; d++) { system("mkdir -p d" d); for (f = 0; f < 100; f++) {
  fn = "d" d "/f" f ".txt"; for (l = 0; l < 20; l++) print "line " l " of " fn > fn; close(fn) } } }'
git init -q -b main
git add -A
git -c user.name=bench -c user.email=bench@example.com commit -qm init
for d in $(seq 0 199); do echo changed >> d$d/f1.txt; done`;

/**
 * @typedef {object} DiffOptions
 * @property {number} writes      measured writes
 * @property {number} baselineRuns plain git diff runs
 * @property {number} [fullRuns]   whole-tree recomputes (default 5)
 * @property {number} uidBase
 */

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {DiffOptions} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function diffSuite(ctx, options) {
  console.log(
    `\ndiff: a write in a 20,000-file repository with 200 changed files → the SSE diff event;` +
      ` ${options.writes} writes; a recompute vs a plain \`git diff HEAD\``,
  );
  if (!ctx.withHangar) {
    console.log('  skipped: --baseline-only');
    return { result: { diff: { options, skipped: 'baseline-only' } }, failed: false };
  }
  assertUidRangeFree(options.uidBase);
  /** @type {string[]} */
  const problems = [];
  /** @type {number[]} */
  const latencies = [];
  /** @type {number[]} */
  const recomputes = [];
  /** @type {number[]} */
  const baseline = [];
  /** @type {Timing[]} */
  const timings = [];
  /** @type {number[]} */
  const wholeTree = [];
  /** @type {number[]} */
  const watchAndDelivery = [];
  const dataDir = ctx.tempDirs.create('hangar-bench-diff-');
  let finished = false;
  ctx.atExit(() => finished || killAll(leftovers(options.uidBase, dataDir, new Set())));
  /** @type {import('../lib/processes.js').Started | undefined} */
  let server;
  try {
    server = await startServer({
      command: process.execPath,
      args: [ctx.cliBin, 'serve'],
      env: hangarEnv({
        HANGAR_DATA_DIR: dataDir,
        HANGAR_PORT: '0',
        HANGAR_AUTH: 'none',
        HANGAR_LOG_LEVEL: 'warn',
        HANGAR_SANDBOX_UID_BASE: String(options.uidBase),
        HANGAR_SANDBOX_UID_COUNT: String(SANDBOX_UID_COUNT),
        HANGAR_IDLE_STOP_MINUTES: '0',
        HANGAR_DEFAULT_TEMPLATE: TEMPLATE,
      }),
      timeoutMs: ctx.startupTimeoutMs,
    });
    const api = hangarApi(server.url);
    const base = server.url;
    try {
      const workspace = await api.createWorkspace('bench-diff', TEMPLATE);
      if (workspace.state !== 'running')
        throw new Error(`the workspace is ${workspace.state}: ${workspace.error ?? ''}`);
      const generated = await api.exec(workspace.id, ['sh', '-c', GENERATE]);
      if (generated.exitCode !== 0) throw new Error(`generating the repository: ${generated.stderr}`);
      const work = path.join(dataDir, 'workspaces', workspace.id, 'work');

      const sse = openSse(new URL(`/api/workspaces/${workspace.id}/diff/events?summary=true`, base));
      try {
        let event = await sse.next(() => true, 60_000);
        if (event.files.length !== 200)
          problems.push(`the first diff has ${event.files.length} files, not 200`);
        for (let i = 0; i < options.writes; i++) {
          const before = event.additions;
          const started = performance.now();
          appendFileSync(path.join(work, `d${i % 200}`, 'f2.txt'), `write ${i}\n`);
          event = await sse.next((d) => d.additions > before, 10_000);
          latencies.push(sse.lastAt - started);
          const timing = await serverTiming(
            new URL(`/api/workspaces/${workspace.id}/diff?summary=true`, base),
          );
          if (timing) {
            recomputes.push(timing.recompute);
            timings.push(timing);
            watchAndDelivery.push(sse.lastAt - started - timing.recompute - (timing.queued ?? 0));
          }
          await sleep(50);
        }
        for (let i = 0; i < (options.fullRuns ?? 5); i++) {
          const added = await api.exec(workspace.id, ['git', 'add', `d${i}/f2.txt`]);
          if (added.exitCode !== 0) throw new Error(`git add: ${added.stderr}`);
          const timing = await serverTiming(
            new URL(`/api/workspaces/${workspace.id}/diff?summary=true`, base),
          );
          if (timing?.kind === 'full') wholeTree.push(timing.recompute);
          else problems.push(`the recompute after git add was ${timing?.kind ?? 'not timed'}, not full`);
          await sleep(50);
        }
      } finally {
        sse.close();
      }
      for (let i = 0; i < options.baselineRuns; i++) {
        const started = performance.now();
        await run('git', ['-c', 'safe.directory=*', '-C', work, 'diff', 'HEAD'], { maxBuffer: 64 << 20 });
        baseline.push(performance.now() - started);
      }
    } finally {
      problems.push(...(await cleanUp(api, server, dataDir, options.uidBase)));
      api.close();
    }
  } catch (error) {
    problems.push(messageOf(error));
  } finally {
    if (server) await stopServer(server.child);
    const left = leftovers(options.uidBase, dataDir, new Set());
    for (const p of left) problems.push(`left behind after the server stopped, now killed: pid ${p.pid}`);
    killAll(left);
    finished = true;
    const leftDir = ctx.tempDirs.remove(dataDir);
    if (leftDir) problems.push(leftDir);
  }

  const step = (/** @type {keyof Timing} */ name) => {
    const values = timings.map((t) => t[name]).filter((v) => typeof v === 'number');
    return values.length ? latency(/** @type {number[]} */ (values)) : undefined;
  };
  const rows = {
    writeToEvent: latencies.length ? latency(latencies) : undefined,
    recompute: recomputes.length ? latency(recomputes) : undefined,
    steps: {
      queued: step('queued'),
      spawn: step('spawn'),
      firstByte: step('firstByte'),
      git: step('git'),
      parse: step('parse'),
      watchAndDelivery: watchAndDelivery.length ? latency(watchAndDelivery) : undefined,
    },
    kinds: Object.fromEntries(
      ['paths', 'full'].map((kind) => [kind, timings.filter((t) => t.kind === kind).length]),
    ),
    wholeTreeRecompute: wholeTree.length ? latency(wholeTree) : undefined,
    plainGitDiff: baseline.length ? latency(baseline) : undefined,
  };
  const line = (/** @type {string} */ label, /** @type {any} */ s) =>
    console.log(
      `  ${label.padEnd(38)} ${s ? `p50 ${fmt(s.p50)} ms  p99 ${fmt(s.p99)} ms  (n=${s.n})` : '—'}`,
    );
  line('write → SSE diff event (Hangar)', rows.writeToEvent);
  line(`its recompute (${rows.kinds.paths} paths, ${rows.kinds.full} full)`, rows.recompute);
  line('  queued (watch event → start)', rows.steps.queued);
  line('  spawn (host side of the join)', rows.steps.spawn);
  line('  first byte (join + git start)', rows.steps.firstByte);
  line('  git (the sandbox run)', rows.steps.git);
  line('  parse', rows.steps.parse);
  line('  watch + SSE delivery (the rest)', rows.steps.watchAndDelivery);
  line('whole-tree recompute (after git add)', rows.wholeTreeRecompute);
  line('plain git diff HEAD (host, baseline)', rows.plainGitDiff);
  if (rows.writeToEvent)
    console.log(
      `  target p50 < ${TARGET_P50_MS} ms: ${rows.writeToEvent.p50 < TARGET_P50_MS ? 'met' : 'MISSED'}`,
    );
  for (const problem of problems) console.error(`bench: ${problem}`);
  return {
    result: { diff: { options, rows, targetP50Ms: TARGET_P50_MS, problems } },
    failed: problems.length > 0,
  };
}

/**
 * @typedef {{ recompute: number, kind: string, queued?: number, spawn?: number, firstByte?: number,
 *   git?: number, parse?: number }} Timing
 */

/** GET's Server-Timing: the last recompute (`recompute;desc=kind;dur=`) and its steps, in ms. */
function serverTiming(/** @type {URL} */ url) {
  return /** @type {Promise<Timing | undefined>} */ (
    new Promise((resolve, reject) => {
      const req = request(url, { timeout: 30_000 }, (res) => {
        res.resume();
        const header = String(res.headers['server-timing'] ?? '');
        /** @type {Record<string, number>} */
        const steps = {};
        let kind = '';
        for (const entry of header.split(',')) {
          const [name = '', ...params] = entry.trim().split(';');
          for (const param of params) {
            const [key, value = ''] = param.split('=');
            if (key === 'dur') steps[name] = Number(value);
            if (key === 'desc' && name === 'recompute') kind = value.replaceAll('"', '');
          }
        }
        const recompute = steps.recompute;
        res.on('end', () => resolve(recompute === undefined ? undefined : { ...steps, recompute, kind }));
      });
      req.on('error', reject);
      req.end();
    })
  );
}

/**
 * A minimal SSE reader of `diff` events.
 * @param {URL} url
 */
function openSse(url) {
  /** @type {{ data: any, at: number }[]} */
  const queue = [];
  /** @type {(() => void) | undefined} */
  let wake;
  let buffer = '';
  const req = request(url, { headers: { accept: 'text/event-stream' } }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const at = performance.now();
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: diff$/m.test(block)) continue;
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        queue.push({ data: JSON.parse(data), at });
        wake?.();
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  const reader = {
    lastAt: 0,
    /** The next diff event matching `match`. */
    async next(/** @type {(d: any) => boolean} */ match, /** @type {number} */ timeoutMs) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        while (queue.length > 0) {
          const item = /** @type {{ data: any, at: number }} */ (queue.shift());
          if (match(item.data)) {
            reader.lastAt = item.at;
            return item.data;
          }
        }
        const left = deadline - performance.now();
        if (left <= 0) throw new Error('no diff event in time');
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, left);
          wake = () => {
            clearTimeout(timer);
            resolve(undefined);
          };
        });
      }
    },
    close: () => req.destroy(),
  };
  return reader;
}
