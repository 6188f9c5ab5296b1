// The cases of the workspace suite: the baselines (commands spawned on the
// host) and one Hangar case per sandbox driver, whose samples go through the
// server's HTTP API.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { deleteAll } from '../lib/sandbox-cleanup.js';
import { findOnPath, timeCommand } from '../lib/samples.js';

/** Longest a baseline command may run, in ms. */
const COMMAND_TIMEOUT_MS = 10_000;

/**
 * The first command, the same in every case: in a new workspace through the
 * API, on the host, in a bare bwrap; each sample reads its output back.
 */
export const FIRST_COMMAND = ['echo', 'hangar-first-command'];
const FIRST_OUTPUT = 'hangar-first-command\n';
/** The bare bwrap launch every bubblewrap figure is held against. */
export const RAW_BWRAP_ARGS = ['--ro-bind', '/', '/', '--unshare-all', '--'];

/**
 * @typedef {object} Timing  of one sample, in ms
 * @property {number} totalMs
 * @property {number} [createMs]  POST /api/workspaces?wait=true until its answer
 * @property {number} [execMs]    POST …/exec until its answer
 */

/**
 * @typedef {object} Case  one thing measured
 * @property {string} key
 * @property {string} label
 * @property {boolean} baseline
 * @property {string} [skipped]                          why it is not measured
 * @property {(name: string) => Promise<Timing>} [sample]
 * @property {() => Promise<void>} [cleanup]             after each sample one at a time, after each batch
 */

/** @returns {Case[]} */
export function baselineCases() {
  const bwrap = findOnPath('bwrap');
  const time = (/** @type {string} */ command, /** @type {string[]} */ args) => async () => ({
    totalMs: await timeCommand(command, args, COMMAND_TIMEOUT_MS, FIRST_OUTPUT),
  });
  const [command, ...args] = FIRST_COMMAND;
  const echo = findOnPath(/** @type {string} */ (command)) ?? /** @type {string} */ (command);
  return [
    {
      key: 'spawn-true',
      label: `spawn \`${FIRST_COMMAND.join(' ')}\` on the host`,
      baseline: true,
      sample: time(echo, args),
    },
    {
      key: 'raw-bwrap',
      label: `bwrap ${RAW_BWRAP_ARGS.join(' ')} ${FIRST_COMMAND.join(' ')}`,
      baseline: true,
      ...(bwrap
        ? { sample: time(bwrap, [...RAW_BWRAP_ARGS, ...FIRST_COMMAND]) }
        : { skipped: 'bwrap is not on the PATH' }),
    },
  ];
}

/**
 * The server's templates, one per driver asked for; a driver this host cannot
 * run gets no template and a reason instead.
 * @param {{ drivers: readonly string[], podmanRootfs: string }} options
 */
export function benchTemplates(options) {
  /** @type {Record<string, Record<string, unknown>>} */
  const config = {};
  /** @type {Map<string, string>} */
  const skipped = new Map();
  for (const driver of options.drivers) {
    const name = `bench-${driver}`;
    if (driver === 'bubblewrap') config[name] = { driver, network: 'none' };
    else if (driver === 'host') config[name] = { driver, network: 'full' };
    else if (!findOnPath('podman')) skipped.set(driver, 'podman is not on the PATH');
    else if (!existsSync(path.join(options.podmanRootfs, 'usr/bin/true'))) {
      skipped.set(
        driver,
        `no root file system at ${options.podmanRootfs} (build it: sudo scripts/provision-podman-rootfs.sh)`,
      );
    } else config[name] = { driver, rootfs: options.podmanRootfs, network: 'none' };
  }
  return { config, skipped, drivers: options.drivers };
}

/**
 * @param {import('../lib/hangar-api.js').HangarApi} api
 * @param {ReturnType<typeof benchTemplates>} templates
 * @returns {Promise<Case[]>}
 */
export async function driverCases(api, templates) {
  const offered = new Map((await api.templates()).map((t) => [t.name, t]));
  return templates.drivers.map((driver) => {
    const template = `bench-${driver}`;
    const label = driver === 'host' ? 'hangar, host driver (no sandbox)' : `hangar, ${driver}`;
    const skipped =
      templates.skipped.get(driver) ??
      offered.get(template)?.unavailable ??
      (offered.has(template) ? undefined : `the server does not list template ${template}`);
    if (skipped) return { key: driver, label, baseline: false, skipped };
    return {
      key: driver,
      label,
      baseline: false,
      sample: (name) => createAndRun(api, template, name),
      cleanup: () => deleteAll(api),
    };
  });
}

/**
 * One sample: create an empty workspace, wait until it runs, run FIRST_COMMAND in it and read its output.
 * @param {import('../lib/hangar-api.js').HangarApi} api
 * @param {string} template
 * @param {string} name
 * @returns {Promise<Timing>}
 */
async function createAndRun(api, template, name) {
  const t0 = performance.now();
  const workspace = await api.createWorkspace(name, template);
  const t1 = performance.now();
  if (workspace.state !== 'running') {
    throw new Error(`${name} is ${workspace.state}${workspace.error ? `: ${workspace.error}` : ''}`);
  }
  const result = await api.exec(workspace.id, FIRST_COMMAND);
  const t2 = performance.now();
  if (result.exitCode !== 0 || result.stdout !== FIRST_OUTPUT) {
    throw new Error(
      `${name}: ${FIRST_COMMAND.join(' ')} exited with ${result.exitCode}, printed ${JSON.stringify(result.stdout)}: ${result.stderr}`,
    );
  }
  return { totalMs: t2 - t0, createMs: t1 - t0, execMs: t2 - t1 };
}
