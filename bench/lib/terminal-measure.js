// The terminal benchmark's two measurements, over any TerminalConnection:
//   cat:  type `cat FILE; echo END-<n>` and time until the client has received
//         the marker (output of the echo, so it follows all of cat's output);
//         tmux redraws rather than forwarding every byte, so the bytes the
//         client received are counted too;
//   echo: type one character, time until output containing it arrives; then a
//         backspace to erase it again (not timed).
// Times in ms, from performance.now().
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** No output for this long counts as quiet (the shell waits at its prompt), in ms. */
const QUIET_MS = 300;
/** Longest wait for one echo, in ms. */
const ECHO_TIMEOUT_MS = 2000;
/** Characters typed in turn, each erased before the next; none ends a common escape sequence (h, l, m, n, t). */
const ECHO_CHARS = 'abcdefgijkopqrsuvwxyz';
// Escape sequences (CSI, OSC, charset selection, two-byte) whose letters are not echoed text.
// eslint-disable-next-line no-control-regex -- matching terminal escape sequences is the point
const ESCAPES = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()*+][0-9A-Za-z]|[@-Z\\-_=>78])/g;

/**
 * Counts a connection's output and lets one waiter look at each chunk.
 * @param {import('./terminal-clients.js').TerminalConnection} conn
 */
export function watchOutput(conn) {
  const state = {
    bytes: 0,
    chunks: 0,
    lastAt: performance.now(),
    /** @type {((chunk: Buffer | string) => void) | undefined} */
    waiter: undefined,
  };
  conn.onOutput((chunk) => {
    state.bytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    state.chunks++;
    state.lastAt = performance.now();
    state.waiter?.(chunk);
  });
  return state;
}

/** @typedef {ReturnType<typeof watchOutput>} OutputWatch */

/**
 * Resolves once no output has arrived for QUIET_MS, or after maxMs.
 * @param {OutputWatch} watch
 * @param {number} maxMs
 */
export async function waitQuiet(watch, maxMs) {
  const deadline = performance.now() + maxMs;
  while (performance.now() - watch.lastAt < QUIET_MS && performance.now() < deadline) await sleep(20);
}

/**
 * Resolves with the time the first chunk for which `test` is true arrived.
 * @param {OutputWatch} watch
 * @param {import('./terminal-clients.js').TerminalConnection} conn
 * @param {(chunk: Buffer | string) => boolean} test
 * @param {number} timeoutMs
 * @returns {Promise<number>}
 */
function waitChunk(watch, conn, test, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      watch.waiter = undefined;
      const why = conn.failure();
      reject(new Error(why ? `the connection ended: ${why}` : `no such output within ${timeoutMs} ms`));
    }, timeoutMs);
    watch.waiter = (chunk) => {
      if (!test(chunk)) return;
      const at = performance.now();
      clearTimeout(timer);
      watch.waiter = undefined;
      resolve(at);
    };
  });
}

/**
 * @typedef {object} CatResult
 * @property {number} ms              from typing Enter until the marker arrived
 * @property {number} deliveredBytes  output bytes the client received meanwhile
 * @property {number} chunks          in how many messages (PTY reads for a local reader)
 */

/**
 * @param {import('./terminal-clients.js').TerminalConnection} conn
 * @param {OutputWatch} watch
 * @param {{ file: string, timeoutMs: number }} options
 * @returns {Promise<CatResult>}
 */
export async function measureCat(conn, watch, { file, timeoutMs }) {
  const value = markerNumber();
  // The typed line shows `$((…))`, never the digits: only the echo's output matches.
  const marker = `END-${value}`;
  const found = markerScanner(marker);
  const before = { bytes: watch.bytes, chunks: watch.chunks };
  const started = performance.now();
  const done = waitChunk(watch, conn, found, timeoutMs);
  conn.type(`cat ${file}; echo END-$((${value - 1}+1))\r`);
  try {
    const at = await done;
    return {
      ms: at - started,
      deliveredBytes: watch.bytes - before.bytes,
      chunks: watch.chunks - before.chunks,
    };
  } catch (error) {
    conn.type('\x03'); // Ctrl-C: stop the cat, so the next measurement starts at a prompt
    throw error;
  }
}

/**
 * @param {import('./terminal-clients.js').TerminalConnection} conn
 * @param {OutputWatch} watch
 * @param {{ samples: number, paceMs: number, deadline: number }} options
 * @returns {Promise<{ latencies: number[], errors: string[] }>}
 */
export async function measureEcho(conn, watch, { samples, paceMs, deadline }) {
  /** @type {number[]} */
  const latencies = [];
  /** @type {string[]} */
  const errors = [];
  for (let i = 0; i < samples && performance.now() < deadline && errors.length < 3; i++) {
    const char = /** @type {string} */ (ECHO_CHARS[i % ECHO_CHARS.length]);
    const shows = (/** @type {Buffer | string} */ chunk) => String(chunk).replace(ESCAPES, '').includes(char);
    try {
      const echoed = waitChunk(watch, conn, shows, ECHO_TIMEOUT_MS);
      const sent = performance.now();
      conn.type(char);
      latencies.push((await echoed) - sent);
      const erased = waitChunk(watch, conn, () => true, ECHO_TIMEOUT_MS);
      conn.type('\x7f');
      await erased;
    } catch (error) {
      errors.push(`echo of ${JSON.stringify(char)}: ${error instanceof Error ? error.message : error}`);
      await waitQuiet(watch, ECHO_TIMEOUT_MS);
    }
    await sleep(paceMs);
  }
  return { latencies, errors };
}

/**
 * Finds `marker` in a stream of chunks, also across two chunks.
 * @param {string} marker
 * @returns {(chunk: Buffer | string) => boolean}
 */
export function markerScanner(marker) {
  const needle = Buffer.from(marker);
  const keep = needle.length - 1;
  let tailText = '';
  let tailBytes = Buffer.alloc(0);
  return (chunk) => {
    if (typeof chunk === 'string') {
      const seam = tailText + chunk.slice(0, keep);
      if (seam.includes(marker) || chunk.includes(marker)) return true;
      tailText = (tailText + chunk).slice(-keep);
      return false;
    }
    const seam = Buffer.concat([tailBytes, chunk.subarray(0, keep)]);
    if (seam.includes(needle) || chunk.includes(needle)) return true;
    tailBytes = Buffer.concat([tailBytes, chunk.subarray(-keep)]).subarray(-keep);
    return false;
  };
}

/** A random number with no two equal digits side by side (a terminal may draw repeats differently). */
function markerNumber() {
  let digits = String(1 + Math.floor(Math.random() * 9));
  while (digits.length < 8) {
    const next = String(Math.floor(Math.random() * 10));
    if (next !== digits.at(-1)) digits += next;
  }
  return Number(digits);
}
