// The terminal suite: one shell in one bubblewrap sandbox, reached three ways
// in the same run:
//   the limit: a local node-pty reader in this process, running the very host
//              command Hangar runs for the terminal (enter the sandbox, `tmux
//              attach`), with no server and no network in between;
//   WeTTY:     the `wetty` package, whose --command is that same host command,
//              read over its socket.io protocol;
//   Hangar:    the real server (`hangar serve`), read over its WebSocket.
// Each reads `cat` of a large file (throughput) and echoes typed characters
// (latency); see lib/terminal-measure.js for the definitions. Three last rows
// are context only: the same cat in the terminal with no client attached
// (tmux's own ceiling: its server parses every byte, whoever reads), and a
// login shell of the same sandbox without tmux, read locally and through
// WeTTY (as WeTTY is usually deployed: no tmux), and the PTY alone: cat
// straight into a PTY that `script` (C) reads and throws away, with no shell,
// no tmux and no relay (the ceiling of any terminal on this machine). The
// order within a round is in terminal-round.js.
import { performance } from 'node:perf_hooks';
import path from 'node:path';
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
import { findWetty, startWetty, writeCommandScript } from '../lib/wetty.js';
import { printTerminalReport } from './terminal-report.js';

/** Every client's terminal size. */
const SIZE = { cols: 120, rows: 40 };
/** The file cat reads, inside the sandbox. */
const FILE = '/workspace/big';

/**
 * @typedef {object} TerminalOptions
 * @property {number} rounds       cats per client (the figures are medians over them)
 * @property {number} echoSamples  keystrokes per client, spread over the rounds
 * @property {number} megabytes    size of the file, in MB (10^6 bytes)
 * @property {number} maxSeconds   no new round starts after this
 * @property {number} uidBase
 */

/**
 * @typedef {'limit' | 'wetty' | 'hangar' | 'tmuxAlone' | 'raw' | 'wettyRaw' | 'ptyAlone'} ClientKey
 * @typedef {import('../lib/terminal-measure.js').CatResult & { cpu: Record<string, number> }} CatSample
 * @typedef {object} ClientResult
 * @property {ClientKey} key
 * @property {string} label
 * @property {string} [skipped]
 * @property {CatSample[]} cats
 * @property {number[][]} echoRounds  echo round trips in ms, one list per round
 * @property {string[]} errors
 */

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {TerminalOptions} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function terminalSuite(ctx, options) {
  const fileBytes = options.megabytes * 1_000_000;
  console.log(
    `\nterminal: one shell in one bubblewrap sandbox, ${SIZE.cols}x${SIZE.rows}, ${options.rounds} round(s):` +
      ` cat of a ${options.megabytes} MB file, and ${options.echoSamples} typed characters per client`,
  );
  if (!ctx.withHangar) {
    // Every client, baselines included, reads the shell of a Hangar terminal.
    console.log('  skipped: --baseline-only (the baselines read a Hangar terminal too)');
    return { result: { terminal: { options, skipped: 'baseline-only' } }, failed: false };
  }
  assertUidRangeFree(options.uidBase);
  const wetty = findWetty();
  const results = clientResults('skipped' in wetty ? wetty : { version: wetty.version });

  /** @type {string[]} */
  const problems = [];
  const dataDir = ctx.tempDirs.create('hangar-bench-term-');
  const scratch = ctx.tempDirs.create('hangar-bench-term-cmd-');
  const commandFile = path.join(scratch, 'attach.sh');
  let finished = false;
  // Interrupted (Ctrl-C): the server is killed without deleting its sandbox, so end it here.
  ctx.atExit(() => finished || killAll(leftovers(options.uidBase, dataDir, new Set())));
  const serverEnv = hangarEnv({
    HANGAR_DATA_DIR: dataDir,
    HANGAR_PORT: '0',
    HANGAR_AUTH: 'none',
    HANGAR_LOG_LEVEL: 'warn',
    HANGAR_SANDBOX_UID_BASE: String(options.uidBase),
    HANGAR_SANDBOX_UID_COUNT: String(SANDBOX_UID_COUNT),
    HANGAR_IDLE_STOP_MINUTES: '0',
    HANGAR_DEFAULT_TEMPLATE: 'offline',
  });
  /** @type {import('../lib/processes.js').Started | undefined} */
  let server;
  /** @type {import('../lib/processes.js').Started | undefined} */
  let wettyServer;
  try {
    server = await startServer({
      command: process.execPath,
      args: [ctx.cliBin, 'serve'],
      env: serverEnv,
      timeoutMs: ctx.startupTimeoutMs,
    });
    const api = hangarApi(server.url);
    try {
      const workspace = await api.createWorkspace('bench-terminal', 'offline');
      if (workspace.state !== 'running')
        throw new Error(`the workspace is ${workspace.state}: ${workspace.error ?? ''}`);
      await createFile(api, workspace.id, fileBytes);
      if ('main' in wetty) {
        writeCommandScript(commandFile, { file: '/bin/false', args: [], env: {} }); // until a round writes it
        wettyServer = await startWetty(wetty.main, commandFile, ctx.startupTimeoutMs).catch((error) => {
          skip(results, ['wetty', 'wettyRaw'], `WeTTY did not start: ${messageOf(error)}`);
          return undefined;
        });
      }
      // Only now: it needs the built server, which --baseline-only does not.
      const { Round } = await import('./terminal-round.js');
      const round = new Round({
        size: SIZE,
        file: FILE,
        api,
        serverUrl: server.url,
        serverPid: server.child.pid ?? -1,
        wetty: wettyServer,
        serverSettings: { env: serverEnv, port: Number(server.url.port) },
        workspaceId: workspace.id,
        commandFile,
        options,
        results,
      });
      const deadline = performance.now() + options.maxSeconds * 1000;
      for (let i = 0; i < options.rounds && performance.now() < deadline; i++)
        await round.run(i).catch((error) => problems.push(`round ${i + 1}: ${messageOf(error)}`));
    } finally {
      if (wettyServer) await stopServer(wettyServer.child);
      problems.push(...(await cleanUp(api, server, dataDir, options.uidBase)));
      api.close();
    }
  } finally {
    if (server) await stopServer(server.child);
    finished = true;
    for (const dir of [dataDir, scratch]) {
      const left = ctx.tempDirs.remove(dir);
      if (left) problems.push(left);
    }
  }

  const targets = printTerminalReport(Object.values(results), { ...options, fileBytes, size: SIZE });
  for (const problem of problems) console.error(`bench: ${problem}`);
  const failed = problems.length > 0 || Object.values(results).some((r) => !r.skipped && r.errors.length > 0);
  if (failed && server?.output.length)
    console.error(`bench: the server's last output:\n    ${server.output.slice(-15).join('\n    ')}`);
  return { result: { terminal: { options, size: SIZE, fileBytes, results, targets, problems } }, failed };
}

/**
 * @param {{ version: string } | { skipped: string }} wetty
 * @returns {Record<ClientKey, ClientResult>}
 */
function clientResults(wetty) {
  const client = (/** @type {ClientKey} */ key, /** @type {string} */ label) => ({
    key,
    label,
    cats: [],
    echoRounds: [],
    errors: [],
  });
  const results = {
    limit: client('limit', 'local node-pty reader (the limit)'),
    wetty: client('wetty', 'version' in wetty ? `WeTTY ${wetty.version}` : 'WeTTY'),
    hangar: client('hangar', 'Hangar'),
    tmuxAlone: client('tmuxAlone', 'context: tmux alone, no client attached'),
    raw: client('raw', 'context: local node-pty, no tmux'),
    wettyRaw: client('wettyRaw', 'context: WeTTY, no tmux'),
    ptyAlone: client('ptyAlone', 'context: the PTY alone, read by C (script)'),
  };
  if ('skipped' in wetty) skip(results, ['wetty', 'wettyRaw'], wetty.skipped);
  return results;
}

/**
 * @param {Record<ClientKey, ClientResult>} results
 * @param {ClientKey[]} keys
 * @param {string} why
 */
function skip(results, keys, why) {
  for (const key of keys) results[key].skipped = why;
}

/**
 * Writes the file inside the sandbox: base64 of random bytes (printable, so
 * no client chokes on control characters), 76 characters a line, cut to size.
 * @param {import('../lib/hangar-api.js').HangarApi} api
 * @param {string} workspaceId
 * @param {number} bytes
 */
async function createFile(api, workspaceId, bytes) {
  const random = Math.ceil((bytes / 4) * 3) + 1000;
  const script = `(head -c ${random} /dev/urandom | base64 | head -c ${bytes - 1}; echo) > ${FILE} && stat -c %s ${FILE}`;
  const made = await api.exec(workspaceId, ['/bin/sh', '-c', script]);
  if (made.exitCode !== 0 || Number(made.stdout.trim()) !== bytes)
    throw new Error(`could not write ${FILE}: exit ${made.exitCode}: ${made.stderr.trim()}`);
}
