// Starts a server process, waits until it answers GET /api/health (or another
// path), and stops it again. Only processes started here are ever signalled,
// by their PID.
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseListenUrl } from './stats.js';

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();

/** Kills (SIGKILL) whatever this module started and is still running; for exit handlers. */
export function killAllStarted() {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  running.clear();
}

/**
 * @typedef {object} Started
 * @property {import('node:child_process').ChildProcess} child
 * @property {URL} url             where the server listens (loopback only)
 * @property {number} listeningMs  spawn until the "listening" line
 * @property {number} healthyMs    spawn until the first 200 from GET /api/health (or readyPath)
 * @property {string[]} output     the last lines the process printed
 */

/**
 * @param {object} spec
 * @param {string} spec.command
 * @param {string[]} spec.args
 * @param {NodeJS.ProcessEnv} [spec.env]
 * @param {number} spec.timeoutMs
 * @param {URL} [spec.url]           where it listens, when known in advance (else read from its output)
 * @param {string} [spec.readyPath]  answers 200 once the server is ready; default /api/health
 * @returns {Promise<Started>}
 */
export async function startServer({
  command,
  args,
  env,
  timeoutMs,
  url: knownUrl,
  readyPath = '/api/health',
}) {
  const started = performance.now();
  const deadline = started + timeoutMs;
  const child = spawn(command, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));

  /** @type {string[]} */
  const output = [];
  /** @type {URL | undefined} */
  let url = knownUrl;
  let listeningMs = Number.NaN;
  /** @type {Error | undefined} */
  let failure;
  child.once('error', (error) => (failure = error));
  for (const stream of [child.stdout, child.stderr]) {
    // Keep reading for the process's whole life so a chatty logger never blocks on a full pipe.
    createInterface({ input: stream }).on('line', (line) => {
      output.push(line);
      if (output.length > 50) output.shift();
      if (!url) {
        url = parseListenUrl(line);
        if (url) listeningMs = performance.now() - started;
      }
    });
  }

  const fail = async (/** @type {string} */ why) => {
    await stopServer(child);
    const tail = output.length ? `\n  last output:\n    ${output.slice(-15).join('\n    ')}` : '';
    throw new Error(`${[command, ...args].join(' ')}: ${why}${tail}`);
  };

  for (;;) {
    if (failure) return fail(failure.message);
    if (child.exitCode !== null || child.signalCode !== null) {
      return fail(`exited (${child.exitCode ?? child.signalCode}) before answering GET ${readyPath}`);
    }
    if (performance.now() > deadline) return fail(`not ready (GET ${readyPath}) within ${timeoutMs} ms`);
    if (url && (await readyStatus(new URL(readyPath, url))) === 200) {
      return { child, url, listeningMs, healthyMs: performance.now() - started, output };
    }
    await sleep(url ? 5 : 2);
  }
}

/**
 * @param {URL} target
 * @returns {Promise<number | undefined>} the HTTP status, or undefined when the request failed
 */
function readyStatus(target) {
  return new Promise((resolve) => {
    const req = request(target, { agent: false, timeout: 1000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
      res.once('error', () => resolve(undefined));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/**
 * SIGTERM, then SIGKILL if the process has not exited after `graceMs`.
 * @param {import('node:child_process').ChildProcess} child
 * @param {number} [graceMs]
 */
export async function stopServer(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * The environment for a benchmarked Hangar server: this process's, without
 * any HANGAR_* variable (a developer's HANGAR_CONFIG or HANGAR_DATABASE_URL
 * must not point the benchmark at real data), plus `settings`.
 * @param {Record<string, string>} settings
 * @returns {NodeJS.ProcessEnv}
 */
export function hangarEnv(settings) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('HANGAR_')));
  return { ...env, ...settings };
}
