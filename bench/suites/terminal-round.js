// One round of the terminal suite (see terminal.js): a new Hangar terminal
// read by the limit and WeTTY, alternating which goes first, then its cat
// timed with no client attached (tmux alone), then read by Hangar,
// which goes last because its server stays attached to the tmux session until
// the terminal is closed (and tmux renders for every attached client); then,
// for context, a login shell of the same sandbox without tmux, read locally
// and through WeTTY. Before the measured reads, one unmeasured cat fills
// tmux's scrollback, so every measured cat meets the same tmux state.
// Loaded on demand: it needs the built server (packages/server/dist).
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { cpuMeter } from '../lib/cpu-time.js';
import { processesWithUidIn } from '../lib/host-processes.js';
import { SANDBOX_UID_COUNT } from '../lib/sandbox-cleanup.js';
import { LOGIN_SHELL, sandboxCommand, tmuxAttach } from '../lib/sandbox-command.js';
import { messageOf } from '../lib/samples.js';
import { tmuxCommand } from '../../packages/server/dist/terminal/tmux.js';
import { openHangarTerminal, openLocalTerminal, openWettyTerminal } from '../lib/terminal-clients.js';
import { measureCat, measureEcho, waitQuiet, watchOutput } from '../lib/terminal-measure.js';
import { WETTY_BASE, writeCommandScript } from '../lib/wetty.js';

/** Between two typed characters, in ms: a quick typist, not a flood. */
const ECHO_PACE_MS = 20;
/** Longest wait for a connection's first screen, and for quiet after a cat, in ms. */
const SETTLE_MS = 10_000;
/** Bound on one client's keystrokes in one round, in seconds. */
const ECHO_SECONDS = 120;

/** @typedef {import('./terminal.js').ClientKey} ClientKey */
/** @typedef {import('./terminal.js').ClientResult} ClientResult */

/**
 * @typedef {object} RoundSetup
 * @property {{ cols: number, rows: number }} size  every client's
 * @property {string} file                          the file cat reads, inside the sandbox
 * @property {import('../lib/hangar-api.js').HangarApi} api
 * @property {URL} serverUrl
 * @property {number} serverPid
 * @property {import('../lib/processes.js').Started | undefined} wetty
 * @property {{ env: NodeJS.ProcessEnv, port: number }} serverSettings  for sandboxCommand()
 * @property {string} workspaceId
 * @property {string} commandFile
 * @property {import('./terminal.js').TerminalOptions} options
 * @property {Record<ClientKey, ClientResult>} results
 */

export class Round {
  /** @param {RoundSetup} setup */
  constructor(setup) {
    this.setup = setup;
    /** Keystrokes per client in the round being run: the --echo-samples spread evenly over the rounds. */
    this.echoSamples = 0;
  }

  /** @param {number} index */
  async run(index) {
    const { api, workspaceId, results, serverSettings, options, size } = this.setup;
    const share = (/** @type {number} */ i) => Math.floor((i * options.echoSamples) / options.rounds);
    this.echoSamples = share(index + 1) - share(index);
    const terminal = await api.createTerminal(workspaceId, size);
    try {
      const attach = await sandboxCommand(serverSettings, workspaceId, tmuxAttach(terminal.id), size);
      const local = () => openLocalTerminal(attach, size);
      await this.measure(results.limit, local, [], true);
      for (const key of index % 2 === 0 ? ['limit', 'wetty'] : ['wetty', 'limit']) {
        if (key === 'limit') await this.measure(results.limit, local, []);
        else await this.measureWetty(results.wetty, attach);
      }
      await this.measureTmuxAlone(results.tmuxAlone, terminal.id);
      await this.measure(
        results.hangar,
        () => openHangarTerminal(this.setup.serverUrl, workspaceId, terminal.id, size),
        [this.setup.serverPid],
      );
    } finally {
      // Ends the tmux session, which detaches the server's client too.
      await api.closeTerminal(workspaceId, terminal.id);
      await this.detached();
    }
    // Context: the same sandbox's login shell without tmux, read locally and through WeTTY.
    const shell = await sandboxCommand(serverSettings, workspaceId, LOGIN_SHELL, size);
    await this.measure(results.raw, () => openLocalTerminal(shell, size), []);
    await this.measureWetty(results.wettyRaw, shell);
    await this.measurePtyAlone(results.ptyAlone);
  }

  /**
   * Context: the ceiling of any terminal here. Inside the same sandbox, cat
   * writes the file into a PTY whose other end `script` (util-linux, C) reads
   * and throws away: no shell, no tmux, no relay, no network, no screen.
   * Timed inside the sandbox (a clock read before and after).
   * @param {ClientResult} result
   */
  async measurePtyAlone(result) {
    const { api, workspaceId, file } = this.setup;
    const timed =
      `s=$(date +%s%N); script -q -e -c 'cat ${file}' /dev/null </dev/null >/dev/null || exit $?;` +
      ` e=$(date +%s%N); echo $(( (e - s) / 1000 ))`;
    try {
      const run = await api.exec(workspaceId, ['/bin/sh', '-c', timed]);
      const micros = Number(run.stdout.trim());
      if (run.exitCode !== 0 || !(micros > 0))
        throw new Error(`script: exit ${run.exitCode}: ${run.stderr.trim()}`);
      result.cats.push({ ms: micros / 1000, deliveredBytes: 0, chunks: 0, cpu: {} });
    } catch (error) {
      result.errors.push(messageOf(error));
    }
  }

  /**
   * WeTTY runs its --command file for each connection: it is rewritten to run `host` first.
   * @param {ClientResult} result
   * @param {import('../lib/sandbox-command.js').HostCommand} host
   */
  async measureWetty(result, host) {
    const wetty = this.setup.wetty;
    if (!wetty || result.skipped) return;
    writeCommandScript(this.setup.commandFile, host);
    await this.measure(result, () => openWettyTerminal(wetty.url, WETTY_BASE, this.setup.size), [
      wetty.child.pid ?? -1,
    ]);
  }

  /**
   * One client: connect, cat, echo, disconnect; errors are recorded, not thrown.
   * @param {ClientResult} result
   * @param {() => Promise<import('../lib/terminal-clients.js').TerminalConnection>} open
   * @param {number[]} relayPids  the process that carries the bytes (Hangar's server, WeTTY)
   * @param {boolean} [warmup]    cat only, and nothing recorded
   */
  async measure(result, open, relayPids, warmup = false) {
    const { options } = this.setup;
    const timeoutMs = Math.max(60_000, options.megabytes * 1000);
    /** @type {import('../lib/terminal-clients.js').TerminalConnection | undefined} */
    let conn;
    try {
      conn = await open();
      const watch = watchOutput(conn);
      await waitQuiet(watch, SETTLE_MS);
      const meter = cpuMeter({
        relay: relayPids,
        tmuxServer: this.tmuxProcesses().server,
        client: [process.pid],
      });
      const cat = await measureCat(conn, watch, { file: this.setup.file, timeoutMs });
      const cpu = meter();
      await waitQuiet(watch, SETTLE_MS);
      if (warmup) return;
      result.cats.push({ ...cat, cpu });
      const echo = await measureEcho(conn, watch, {
        samples: this.echoSamples,
        paceMs: ECHO_PACE_MS,
        deadline: performance.now() + ECHO_SECONDS * 1000,
      });
      result.echoRounds.push(echo.latencies);
      result.errors.push(...echo.errors);
    } catch (error) {
      result.errors.push(`${warmup ? 'warm-up: ' : ''}${messageOf(error)}`);
    } finally {
      await conn?.close();
      // Hangar's server stays attached until the terminal is closed (see run()).
      if (result.key !== 'hangar') await this.detached();
    }
  }

  /**
   * Context: the terminal's shell runs the same `cat` with no client attached
   * at all, timed inside the pane (a clock read before and after), so this is
   * how fast tmux's server alone takes the output in: it parses every byte into
   * the pane's screen whoever reads, and no reader of a tmux terminal can be
   * faster. The command is typed with `tmux send-keys`; `tmux wait-for` tells
   * when it is done.
   * @param {ClientResult} result
   * @param {string} terminalId
   */
  async measureTmuxAlone(result, terminalId) {
    const { api, workspaceId, file } = this.setup;
    const channel = `hangar-bench-${terminalId}`;
    const stamp = `"$HOME/.hangar/bench-${terminalId}"`;
    const timed =
      `s=$(date +%s%N); cat ${file}; e=$(date +%s%N); echo $(( (e - s) / 1000 )) > ${stamp};` +
      ` tmux wait-for -S ${channel}`;
    try {
      const meter = cpuMeter({ tmuxServer: this.tmuxProcesses().server });
      const typed = await api.exec(
        workspaceId,
        tmuxCommand(['send-keys', '-t', `=${terminalId}:`, timed, 'Enter']),
      );
      if (typed.exitCode !== 0) throw new Error(`tmux send-keys: ${typed.stderr.trim()}`);
      // One wait at a time stays well under the API's request timeout.
      const deadline = performance.now() + Math.max(60_000, this.setup.options.megabytes * 1000);
      for (;;) {
        const waited = await api.exec(workspaceId, ['timeout', '20', ...tmuxCommand(['wait-for', channel])]);
        if (waited.exitCode === 0) break;
        if (waited.exitCode !== 124 || performance.now() > deadline)
          throw new Error(`tmux wait-for: exit ${waited.exitCode}: ${waited.stderr.trim()}`);
      }
      const cpu = meter();
      const read = await api.exec(workspaceId, ['/bin/sh', '-c', `cat ${stamp} && rm -f ${stamp}`]);
      const micros = Number(read.stdout.trim());
      if (read.exitCode !== 0 || !(micros > 0))
        throw new Error(`no timing from the pane: ${read.stderr.trim()}`);
      result.cats.push({ ms: micros / 1000, deliveredBytes: 0, chunks: 0, cpu });
    } catch (error) {
      result.errors.push(messageOf(error));
    }
  }

  /**
   * The sandbox's tmux server (it keeps the argv of the `new-session` that
   * started it) and its attached clients, by pid. The server writes to each
   * client's terminal itself; a client process only relays input.
   */
  tmuxProcesses() {
    const tmux = processesWithUidIn(this.setup.options.uidBase, SANDBOX_UID_COUNT).filter((p) =>
      /^tmux\b/.test(p.command),
    );
    const isServer = (/** @type {string} */ command) => /new-session/.test(command);
    return {
      server: tmux.filter((p) => isServer(p.command)).map((p) => p.pid),
      clients: tmux.filter((p) => !isServer(p.command)).map((p) => p.pid),
    };
  }

  /** Waits (up to 5 s) until no tmux client is attached, so the next client is tmux's only one. */
  async detached() {
    const until = performance.now() + 5000;
    while (this.tmuxProcesses().clients.length > 0 && performance.now() < until) await sleep(20);
  }
}
