// A closed-loop load generator: `concurrency` workers, each sending one
// request at a time over keep-alive connections, until `requests` have been
// sent or `maxSeconds` have passed. Loopback targets only.
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { percentile } from './stats.js';

/**
 * @typedef {object} LoadResult
 * @property {number} requests     completed requests (any outcome)
 * @property {number} errors       failed requests and non-200 answers
 * @property {number} seconds      wall time of the measured phase
 * @property {number} rps          completed requests per second
 * @property {number} p50Ms
 * @property {number} p99Ms
 */

/**
 * @param {URL} target
 * @param {{ concurrency: number, requests: number, maxSeconds: number, warmup: number }} options
 * @returns {Promise<LoadResult>}
 */
export async function runLoad(target, { concurrency, requests, maxSeconds, warmup }) {
  if (!isLoopback(target)) throw new Error(`refusing to load a non-loopback address: ${target.host}`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    await phase(target, agent, concurrency, warmup, maxSeconds);
    return await phase(target, agent, concurrency, requests, maxSeconds);
  } finally {
    agent.destroy();
  }
}

/**
 * @param {URL} target
 * @param {Agent} agent
 * @param {number} concurrency
 * @param {number} total
 * @param {number} maxSeconds
 * @returns {Promise<LoadResult>}
 */
async function phase(target, agent, concurrency, total, maxSeconds) {
  /** @type {number[]} */
  const latencies = [];
  let issued = 0;
  let errors = 0;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  const worker = async () => {
    while (issued < total && performance.now() < deadline) {
      issued++;
      const t0 = performance.now();
      const status = await get(target, agent);
      latencies.push(performance.now() - t0);
      if (status !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, total)) }, worker));
  const seconds = (performance.now() - start) / 1000;
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

/**
 * @param {URL} url
 * @param {Agent} agent
 * @returns {Promise<number | undefined>}
 */
function get(url, agent) {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode));
      res.once('error', () => resolve(undefined));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(undefined));
    req.end();
  });
}

/** @param {URL} url */
function isLoopback(url) {
  return url.hostname === 'localhost' || url.hostname === '[::1]' || url.hostname.startsWith('127.');
}
