// Repeats a measured operation one at a time or all at once, and times
// commands run directly on the host (the baselines). Times in milliseconds.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/**
 * @template T
 * @typedef {object} Samples
 * @property {T[]} results     what the samples that succeeded returned
 * @property {string[]} errors one message per failed sample
 */

/**
 * Runs `sample(0..count-1)`, either one after another or all started at once.
 * One after another stops starting new samples once `deadline` (a
 * performance.now() time) has passed; each sample must bound its own time.
 * @template T
 * @param {(index: number) => Promise<T>} sample
 * @param {{ count: number, concurrent: boolean, deadline: number }} options
 * @returns {Promise<Samples<T>>}
 */
export async function runSamples(sample, { count, concurrent, deadline }) {
  /** @type {Samples<T>} */
  const out = { results: [], errors: [] };
  /** @param {PromiseSettledResult<T>} settled */
  const record = (settled) => {
    if (settled.status === 'fulfilled') out.results.push(settled.value);
    else out.errors.push(messageOf(settled.reason));
  };
  if (concurrent) {
    const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => sample(i)));
    settled.forEach(record);
    return out;
  }
  for (let i = 0; i < count && performance.now() < deadline; i++) {
    const [settled] = await Promise.allSettled([sample(i)]);
    if (settled) record(settled);
  }
  return out;
}

/**
 * Spawns a command with no input and times it until it exits and its output is read.
 * @param {string} command
 * @param {string[]} args
 * @param {number} timeoutMs  killed (SIGKILL, by its own PID) after this long
 * @param {string} [expectOutput]  its whole stdout, when given: anything else is a failed sample
 * @returns {Promise<number>} ms from spawn to exit; rejects unless it exits with 0
 */
export function timeCommand(command, args, timeoutMs, expectOutput) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      stdio: ['ignore', expectOutput === undefined ? 'ignore' : 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout = (stdout + String(chunk)).slice(-500)));
    child.stderr?.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-500)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = performance.now() - started;
      if (code !== 0) reject(new Error(`${command} exited with ${code ?? signal}: ${stderr.trim()}`));
      else if (expectOutput !== undefined && stdout !== expectOutput)
        reject(
          new Error(`${command} printed ${JSON.stringify(stdout)}, not ${JSON.stringify(expectOutput)}`),
        );
      else resolve(ms);
    });
  });
}

/**
 * @param {string} name
 * @returns {string | undefined} the executable's path on $PATH
 */
export function findOnPath(name) {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** @param {unknown} error */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}
