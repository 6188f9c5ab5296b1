// Pi (`@mariozechner/pi-coding-agent`, the package Hangar runs in its
// sandboxes, resolved from @hangar/server's node_modules) started directly on
// the host as `pi --mode rpc`: the agent baseline of the agent-events suite.
// It is configured as Hangar configures it (packages/server/src/agents/pi:
// ~/.pi/agent/models.json with an anthropic-messages provider `hangar` whose
// key is read from HANGAR_TOKEN, `--provider hangar --model M
// --no-extensions`, PI_OFFLINE=1, a sandbox-like environment, get_state and
// auto-retry off before the first prompt), but its provider's baseUrl is the
// scripted provider itself: no LLM proxy, no sandbox, no event log. Commands
// go in on stdin; each stdout line (split on \n only, as Hangar's adapter
// does) is handed to the listeners with the time of the read that completed
// it. Stopped by its PID.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { stopServer } from './processes.js';
import { messageOf } from './samples.js';

export const PI_PACKAGE = '@mariozechner/pi-coding-agent';
/** Pi's provider name in models.json and on its command line, as Hangar's for Anthropic models. */
const PROVIDER = 'hangar';
/** How long stop() waits after SIGTERM before SIGKILL, in ms (Hangar waits 3 s for EOF). */
const STOP_GRACE_MS = 3000;

const serverPackage = fileURLToPath(new URL('../../packages/server/package.json', import.meta.url));

/**
 * The package's `pi` bin, found where Node would resolve the package from @hangar/server.
 * @returns {string | undefined}
 */
export function findPiCli() {
  const dirs = createRequire(serverPackage).resolve.paths(PI_PACKAGE) ?? [];
  for (const dir of dirs) {
    const manifest = path.join(dir, PI_PACKAGE, 'package.json');
    if (!existsSync(manifest)) continue;
    const bin = JSON.parse(readFileSync(manifest, 'utf8')).bin;
    const cli = path.join(dir, PI_PACKAGE, typeof bin === 'string' ? bin : (bin?.pi ?? 'dist/cli.js'));
    if (existsSync(cli)) return cli;
  }
  return undefined;
}

/**
 * Writes what Hangar writes before it starts Pi: ~/.pi/agent/models.json, as
 * Hangar's modelsJson() (less the x-hangar-session header, which only
 * Hangar's proxy reads), with the provider's own URL as baseUrl.
 * @param {string} home  Pi's $HOME
 * @param {URL} providerUrl
 * @param {string} model
 */
export function writePiConfig(home, providerUrl, model) {
  const dir = path.join(home, '.pi/agent');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const models = [{ id: model, contextWindow: 200_000, maxTokens: 8192 }];
  const providers = {
    [PROVIDER]: { baseUrl: providerUrl.origin, api: 'anthropic-messages', apiKey: 'HANGAR_TOKEN', models },
  };
  writeFileSync(path.join(dir, 'models.json'), `${JSON.stringify({ providers }, null, 2)}\n`, {
    mode: 0o600,
  });
}

/**
 * @typedef {object} PiSpec
 * @property {string} cli    the package's `pi` bin (dist/cli.js)
 * @property {string} home   its $HOME, with writePiConfig() done
 * @property {string} cwd
 * @property {string} model
 */

/**
 * @typedef {{ type?: string, id?: string, success?: boolean, error?: string, [key: string]: unknown }} PiLine
 * @typedef {(line: PiLine, at: number) => void} LineListener
 */

/** One `pi --mode rpc` process on the host. */
export class PiRpc {
  /** @type {import('node:child_process').ChildProcessWithoutNullStreams} */
  #child;
  /** @type {Set<LineListener>} */
  #listeners = new Set();
  /** @type {Map<string, (line: PiLine) => void>} */
  #waiting = new Map();
  #nextId = 0;
  #stderr = '';
  /** @type {Promise<void>} */
  exited;

  /**
   * Spawns Pi; call init() before the first prompt.
   * @param {PiSpec} spec
   */
  constructor({ cli, home, cwd, model }) {
    const args = [cli, '--mode', 'rpc', '--provider', PROVIDER, '--model', model, '--no-extensions'];
    this.#child = spawn(process.execPath, args, {
      cwd,
      // The sandbox's environment, less what only a sandbox has (workspace id, Hangar's URL).
      env: {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: home,
        USER: 'hangar',
        LOGNAME: 'hangar',
        SHELL: '/bin/bash',
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
        HANGAR_TOKEN: 'bench-key',
        PI_OFFLINE: '1',
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', () => {
        const error = `Pi exited${this.#stderr.trim() ? `: ${this.#stderr.trim().slice(-300)}` : ''}`;
        for (const resolveWaiting of this.#waiting.values())
          resolveWaiting({ type: 'response', success: false, error });
        this.#waiting.clear();
        resolve();
      });
    });
    this.#child.once('error', (error) => (this.#stderr += messageOf(error)));
    this.#child.stdin.on('error', () => undefined); // EPIPE after Pi died: `exited` says so
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (/** @type {string} */ chunk) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    let buffer = '';
    this.#child.stdout.setEncoding('utf8');
    this.#child.stdout.on('data', (/** @type {string} */ chunk) => {
      const at = performance.timeOrigin + performance.now();
      const lines = (buffer + chunk).split('\n');
      buffer = lines.pop() ?? '';
      for (const text of lines) this.#onLine(text, at);
    });
  }

  /** @returns {number | undefined} */
  get pid() {
    return this.#child.pid;
  }

  /**
   * @param {LineListener} listener  every line Pi prints, with when it was read
   * @returns {() => void} removes the listener
   */
  onLine(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * As Hangar's adapter before the first prompt: get_state (Pi is up), then auto-retry off.
   * @param {number} timeoutMs
   */
  async init(timeoutMs) {
    const state = await this.#command({ type: 'get_state' }, timeoutMs);
    if (!state.success) throw new Error(`Pi did not start: ${state.error ?? 'refused'}`);
    await this.#command({ type: 'set_auto_retry', enabled: false }, timeoutMs);
  }

  /**
   * Sends a prompt and waits for the end of its run (agent_end).
   * @param {string} text
   * @param {number} timeoutMs
   */
  async run(text, timeoutMs) {
    /** @type {string | undefined} */
    let failure;
    /** @type {() => void} */
    let ended = () => undefined;
    const end = new Promise((resolve) => (ended = () => resolve(undefined)));
    const off = this.onLine((line) => {
      const message = /** @type {{ role?: string, stopReason?: string, errorMessage?: string }} */ (
        line.message ?? {}
      );
      if (line.type === 'message_end' && message.role === 'assistant' && message.stopReason === 'error')
        failure = message.errorMessage ?? 'the model call failed';
      if (line.type === 'agent_end') ended();
    });
    const timer = setTimeout(() => {
      failure ??= `no agent_end within ${timeoutMs} ms`;
      ended();
    }, timeoutMs);
    try {
      const response = await Promise.race([
        this.#command({ type: 'prompt', message: text }, timeoutMs),
        this.exited.then(() => ({ success: false, error: 'Pi exited' })),
      ]);
      if (!response.success) throw new Error(`Pi refused the prompt: ${response.error ?? '?'}`);
      await Promise.race([end, this.exited.then(() => (failure ??= 'Pi exited during the run'))]);
      if (failure) throw new Error(failure);
    } finally {
      clearTimeout(timer);
      off();
    }
  }

  /** SIGTERM to its PID, SIGKILL if it is still there after a grace period. */
  async stop() {
    await stopServer(this.#child, STOP_GRACE_MS);
    await this.exited;
  }

  /** For exit handlers: SIGKILL to its PID if it still runs. */
  kill() {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
  }

  /**
   * @param {Record<string, unknown>} body
   * @param {number} timeoutMs
   * @returns {Promise<PiLine>}
   */
  #command(body, timeoutMs) {
    const id = `b${++this.#nextId}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve({ type: 'response', success: false, error: `no answer to ${body.type} in ${timeoutMs} ms` });
      }, timeoutMs);
      this.#waiting.set(id, (line) => {
        clearTimeout(timer);
        resolve(line);
      });
      if (this.#child.stdin.writable) this.#child.stdin.write(`${JSON.stringify({ ...body, id })}\n`);
    });
  }

  /**
   * @param {string} text
   * @param {number} at
   */
  #onLine(text, at) {
    /** @type {PiLine} */
    let line;
    try {
      line = JSON.parse(text.endsWith('\r') ? text.slice(0, -1) : text);
    } catch {
      return; // not a protocol line (a stray log)
    }
    if (!line || typeof line !== 'object') return;
    if (line.type === 'response' && line.id !== undefined) {
      const resolve = this.#waiting.get(line.id);
      this.#waiting.delete(line.id);
      resolve?.(line);
    }
    for (const listener of this.#listeners) listener(line, at);
  }
}
