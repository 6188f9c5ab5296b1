// The workspace suite: from "create an empty workspace" to "its first command
// has run", through the real server and HTTP API, per sandbox driver, one at
// a time and all at once. One sample is POST /api/workspaces?wait=true, then
// POST /api/workspaces/:id/exec with FIRST_COMMAND, whose output it checks.
// Measured in the same run as the baselines, the same command spawned on the
// host and in a bare `bwrap --ro-bind / / --unshare-all`, so the figures say
// what Hangar adds over a bare bwrap launch rather than how fast this machine
// is: the target is bubblewrap within TARGET_RATIO× of it, in both modes.
//
// Every workspace is deleted (and gone) before the next sample one at a
// time, and after each concurrent batch; before the server stops, no process
// of the sandbox uid range or naming the run's data dir may remain.
import { performance } from 'node:perf_hooks';
import { hangarApi } from '../lib/hangar-api.js';
import { hangarEnv, startServer, stopServer } from '../lib/processes.js';
import { podmanContainersOf, removePodmanContainers } from '../lib/podman-leftovers.js';
import {
  SANDBOX_UID_COUNT,
  assertUidRangeFree,
  cleanUp,
  killAll,
  leftovers,
} from '../lib/sandbox-cleanup.js';
import { messageOf, runSamples } from '../lib/samples.js';
import { FIRST_COMMAND, baselineCases, benchTemplates, driverCases } from './workspace-cases.js';
import { printWorkspaceTable } from './workspace-report.js';

export const WORKSPACE_DRIVERS = /** @type {const} */ (['bubblewrap', 'podman', 'host']);

/**
 * @typedef {object} WorkspaceOptions
 * @property {number} samples      one at a time, per case
 * @property {number} concurrent   started at once, per case
 * @property {number} warmup       discarded samples per driver before measuring
 * @property {readonly string[]} drivers
 * @property {string} podmanRootfs
 * @property {number} uidBase
 * @property {number} maxSeconds   bound on each one-at-a-time series
 */

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {WorkspaceOptions} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function workspaceSuite(ctx, options) {
  console.log(
    `\nworkspace: POST /api/workspaces?wait=true (empty) then POST …/exec ${JSON.stringify(FIRST_COMMAND)} and its output, ms;` +
      ` ${options.samples} one at a time, ${options.concurrent} concurrent`,
  );
  assertUidRangeFree(options.uidBase);
  const cases = baselineCases();
  /** @type {string[]} */
  const problems = [];
  /** @type {Record<string, number[]>} */
  const warmups = {};
  const rows = [];
  let server;
  const dataDir = ctx.withHangar ? ctx.tempDirs.create('hangar-bench-ws-') : undefined;
  let finished = false;
  // Interrupted (Ctrl-C): the server is killed without deleting its sandboxes, so end them here.
  if (dataDir) ctx.atExit(() => finished || killAll(leftovers(options.uidBase, dataDir, new Set())));
  try {
    if (dataDir) {
      const templates = benchTemplates(options);
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
          // The benchmark creates more than a person would: no pace, no cap.
          HANGAR_WORKSPACE_CREATIONS_PER_MINUTE: '0',
          HANGAR_WORKSPACES_PER_USER: '0',
          HANGAR_TEMPLATES: JSON.stringify(templates.config),
        }),
        timeoutMs: ctx.startupTimeoutMs,
      });
      const api = hangarApi(server.url);
      try {
        cases.push(...(await driverCases(api, templates)));
        for (const c of cases.filter((c) => !c.baseline && c.sample)) {
          const warm = await measure(c, 'warmup', options.warmup, options.maxSeconds);
          warmups[c.key] = warm.results.map((t) => t.totalMs);
          if (warm.errors.length > 0) problems.push(`${c.label}, warm-up: ${warm.errors[0]}`);
        }
        rows.push(...(await measureAll(cases, options)));
      } finally {
        problems.push(...(await cleanUp(api, server, dataDir, options.uidBase)));
        if (cases.some((c) => c.key === 'podman' && c.sample)) problems.push(...(await podmanLeftovers(api)));
        api.close();
      }
    } else {
      rows.push(...(await measureAll(cases, options)));
    }
  } finally {
    if (server) await stopServer(server.child);
    finished = true;
    if (dataDir) {
      const left = ctx.tempDirs.remove(dataDir);
      if (left) problems.push(left);
    }
  }

  const target = printWorkspaceTable(rows, warmups, options);
  for (const problem of problems) console.error(`bench: ${problem}`);
  const failed = problems.length > 0 || rows.some((r) => r.errors.length > 0);
  if (failed && server?.output.length) {
    console.error(`bench: the server's last output:\n    ${server.output.slice(-15).join('\n    ')}`);
  }
  return {
    result: { workspace: { ...options, uidCount: SANDBOX_UID_COUNT, rows, warmups, target, problems } },
    failed,
  };
}

/**
 * Every case one at a time, then every case concurrently, so that each Hangar
 * figure is measured close in time to the baselines it is compared with.
 * @param {import('./workspace-cases.js').Case[]} cases
 * @param {WorkspaceOptions} options
 */
async function measureAll(cases, options) {
  const rows = [];
  for (const mode of /** @type {const} */ (['sequential', 'concurrent'])) {
    const count = mode === 'sequential' ? options.samples : options.concurrent;
    for (const c of cases) {
      const samples = c.skipped
        ? { results: [], errors: [] }
        : await measure(c, mode, count, options.maxSeconds);
      rows.push({ key: c.key, label: c.label, baseline: c.baseline, mode, skipped: c.skipped, ...samples });
    }
  }
  return rows;
}

/**
 * @param {import('./workspace-cases.js').Case} c
 * @param {'sequential' | 'concurrent' | 'warmup'} mode
 * @param {number} count
 * @param {number} maxSeconds
 */
async function measure(c, mode, count, maxSeconds) {
  const sample = /** @type {(name: string) => Promise<import('./workspace-cases.js').Timing>} */ (c.sample);
  const name = (/** @type {number} */ i) => `bench-${c.key}-${mode.slice(0, 1)}${i}`;
  const deadline = performance.now() + maxSeconds * 1000;
  if (mode === 'concurrent') {
    const samples = await runSamples((i) => sample(name(i)), { count, concurrent: true, deadline });
    await c.cleanup?.().catch((error) => samples.errors.push(`clean-up: ${messageOf(error)}`));
    return samples;
  }
  return runSamples(
    async (i) => {
      try {
        return await sample(name(i));
      } finally {
        await c.cleanup?.();
      }
    },
    { count, concurrent: false, deadline },
  );
}

/**
 * Containers of this run's workspaces that their deletion left; reported and removed.
 * @param {import('../lib/hangar-api.js').HangarApi} api
 * @returns {Promise<string[]>} problems
 */
async function podmanLeftovers(api) {
  try {
    const names = await podmanContainersOf(api.seenWorkspaceIds());
    await removePodmanContainers(names);
    return names.map((name) => `podman container left behind by a deleted workspace, now removed: ${name}`);
  } catch (error) {
    return [`checking for podman containers left behind: ${messageOf(error)}`];
  }
}
