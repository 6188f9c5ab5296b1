// What the llm-proxy suite measures against: the scripted provider (its own
// process, so that its work does not share the benchmark client's event loop
// and delay the reads being timed) playing a fixed scenario, and a Hangar
// server whose providers point at it, with one host-driver workspace whose
// token the proxied requests carry. The host driver keeps any sandbox out of
// the measurement: what differs between the two paths is the proxy alone.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hangarEnv, startServer } from '../lib/processes.js';

const scriptedBin = fileURLToPath(new URL('../../packages/llm-scripted/dist/bin.js', import.meta.url));

/** Sandbox uids of the benchmarked server; the host driver runs nothing under them, but they stay clear of the other suites' range. */
const UID_BASE = 520_000;
export const MODEL = 'bench-model';
export const TEMPLATE = 'plain';

/**
 * @typedef {object} Series  one kind of answer the scenario gives
 * @property {string} prompt       the user text that selects it
 * @property {string} text         the answer, checked on every stream
 * @property {number} chunkChars   characters per content delta
 */

const FILLER = 'The proxy streams each chunk to the client as soon as the provider sends it. ';

/** @type {{ latency: Series, throughput: Series }} */
export const SERIES = {
  // A short reply: the time to its first delta is the proxy's added latency.
  latency: { prompt: 'latency', text: 'Hello! How can I help you today?', chunkChars: 12 },
  // 1000 deltas of 4 characters (about a token each) with no pause between them, so the
  // stream goes as fast as the processes on its path can pass it on; long enough that the
  // rate is not that of a few reads that each carry many deltas.
  throughput: {
    prompt: 'throughput',
    text: FILLER.repeat(Math.ceil(4000 / FILLER.length)).slice(0, 4000),
    chunkChars: 4,
  },
};

/** @returns {number} content deltas of a series' answer */
export function deltasOf(/** @type {Series} */ series) {
  return Math.ceil(series.text.length / series.chunkChars);
}

/**
 * Writes the scenario and starts the scripted provider on a loopback port.
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {string} dir  a temp dir of the run
 */
export function startProvider(ctx, dir) {
  if (!existsSync(scriptedBin)) {
    throw new Error(`${path.relative(process.cwd(), scriptedBin)} is missing; run \`npm run build\``);
  }
  const scenario = {
    model: MODEL,
    turns: Object.entries(SERIES).map(([name, s]) => ({
      name,
      match: { lastUserText: s.prompt },
      reply: { text: s.text, pace: { chunkChars: s.chunkChars, intervalMs: 0, firstChunkMs: 0 } },
    })),
  };
  const file = path.join(dir, 'scenario.json');
  writeFileSync(file, JSON.stringify(scenario));
  return startServer({
    command: process.execPath,
    args: [scriptedBin, '--scenario', file, '--port', '0', '--host', '127.0.0.1', '--quiet'],
    readyPath: '/_scripted/scenario',
    timeoutMs: ctx.startupTimeoutMs,
  });
}

/**
 * Starts Hangar with the anthropic and openai providers pointing at the
 * scripted one (keyless: no key to swap in) and one template, on the host driver.
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {string} dataDir
 * @param {URL} providerUrl
 */
export function startHangar(ctx, dataDir, providerUrl) {
  const baseUrl = providerUrl.origin;
  return startServer({
    command: process.execPath,
    args: [ctx.cliBin, 'serve'],
    env: hangarEnv({
      HANGAR_DATA_DIR: dataDir,
      HANGAR_PORT: '0',
      HANGAR_AUTH: 'none',
      HANGAR_LOG_LEVEL: 'warn',
      HANGAR_SANDBOX_UID_BASE: String(UID_BASE),
      // An idle stop would revoke the workspace token in the middle of the run.
      HANGAR_IDLE_STOP_MINUTES: '0',
      HANGAR_PROVIDERS: JSON.stringify({
        anthropic: { kind: 'anthropic', baseUrl, keyless: true },
        openai: { kind: 'openai', baseUrl, keyless: true },
      }),
      HANGAR_TEMPLATES: JSON.stringify({ [TEMPLATE]: { driver: 'host', network: 'full' } }),
      HANGAR_DEFAULT_TEMPLATE: TEMPLATE,
      HANGAR_HOST_DRIVER_MULTI_USER: 'true',
    }),
    timeoutMs: ctx.startupTimeoutMs,
  });
}

/**
 * Creates the workspace whose token the proxied requests carry, read from
 * its environment as an agent in it would.
 * @param {import('../lib/hangar-api.js').HangarApi} api
 */
export async function workspaceToken(api) {
  const workspace = await api.createWorkspace('llm-proxy-bench', TEMPLATE);
  if (workspace.state !== 'running') {
    throw new Error(`workspace ${workspace.name} is ${workspace.state}: ${workspace.error ?? ''}`);
  }
  const result = await api.exec(workspace.id, ['printenv', 'HANGAR_TOKEN']);
  const token = result.stdout.trim();
  if (result.exitCode !== 0 || !token) throw new Error('the workspace has no HANGAR_TOKEN');
  return token;
}

/**
 * Forgets the requests the scripted provider recorded (it keeps each with its body).
 * @param {URL} providerUrl
 */
export async function clearProviderRecords(providerUrl) {
  const res = await fetch(new URL('/_scripted/requests', providerUrl), {
    method: 'DELETE',
    signal: AbortSignal.timeout(10_000),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`DELETE /_scripted/requests: HTTP ${res.status}`);
}
