// The agent-events suite: how long a token takes from the scripted provider
// to a client, through a real Pi agent session of Hangar and, as baselines,
// through the same Pi agent started directly on the host and read directly
// from the provider, all measured in the same run.
//
// Every reply of the scenario is a run of distinct tokens (`ha07t012 `: path,
// phase, stream, index), one per content delta, paced `intervalMs` apart. The
// provider (lib/stamped-provider.js, its own process) stamps the moment it
// writes each token to its socket; a client stamps the moment a read brings
// that token in. Latency = receive − send, for each token:
//   provider direct: a streaming Anthropic Messages client of the provider;
//   Pi direct (the agent baseline): the Pi package Hangar runs (from
//                    @hangar/server's node_modules) as `pi --mode rpc` on the
//                    host, configured as Hangar configures it but with the
//                    provider itself as its provider, in a temp HOME
//                    (lib/pi-rpc.js): no LLM proxy, no sandbox; a reader of
//                    Pi's stdout stamps each token of its text_delta lines;
//   Hangar:          provider → Hangar's LLM proxy → Pi in a bubblewrap
//                    sandbox → the session's event log → an SSE client of
//                    GET /api/sessions/:id/events (TEXT_MESSAGE_CONTENT).
// Both processes read one clock (timeOrigin + now), and every receive stamp is
// taken in this process; any offset between the two origins is the same for
// all paths and cancels in the differences, taken percentile by percentile:
//   added by Hangar = Hangar − Pi direct: what Hangar adds to the agent it
//                    runs; the figure held against the target (TARGET_P99_MS
//                    at p99 with `concurrent` sessions);
//   Hangar − provider direct: printed too; it also counts Pi's own
//                    processing (a Node process parsing SSE and printing RPC
//                    lines; `concurrent` of them at once on this machine).
// Phases: one stream at a time (several rounds, taking turns: provider, Pi
// direct, Hangar), then `concurrent` streams at once per path: provider, then
// Pi direct (`concurrent` Pi processes), then Hangar (`concurrent` Pi sessions
// in one workspace). The baseline's Pi processes are stopped, by their PID,
// after their measured reply: before Hangar's sessions start, never beside
// them. Each Pi process and each Pi session is started and has answered a
// first warm-up prompt before its measured prompt is sent, so the figures time
// streaming through running agents, not Pi booting (20 Pi processes starting
// at once on 2 CPUs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { hangarApi } from '../lib/hangar-api.js';
import { describeProcess, processesIn } from '../lib/host-processes.js';
import { PI_PACKAGE, PiRpc, findPiCli, writePiConfig } from '../lib/pi-rpc.js';
import { hangarEnv, startServer, stopServer } from '../lib/processes.js';
import {
  SANDBOX_UID_COUNT,
  assertUidRangeFree,
  cleanUp,
  killAll,
  leftovers,
} from '../lib/sandbox-cleanup.js';
import { messageOf } from '../lib/samples.js';
import { fmt, latency, withAddedLatency } from '../lib/stats.js';

const stampedProvider = fileURLToPath(new URL('../lib/stamped-provider.js', import.meta.url));
const MODEL = 'scripted-1';
const TEMPLATE = 'default';
const TOKEN_PATTERN = /[dph][ab]\d\dt\d{3}/g;
/** Target: what Hangar adds (Hangar − Pi direct) at p99 with 20 sessions, in ms. */
const TARGET_P99_MS = 10;
/** Pause before a reply's first token, in ms. */
const FIRST_CHUNK_MS = 50;
/** Longest wait for one stream (session start included), in ms. */
const STREAM_TIMEOUT_MS = 120_000;

/**
 * @typedef {object} AgentEventsOptions
 * @property {number} tokens       tokens per reply
 * @property {number} rounds       streams one at a time, per path
 * @property {number} concurrent   streams at once, per path
 * @property {number} intervalMs   pause between two tokens of a reply
 * @property {number} maxSeconds   no new round starts after this
 * @property {number} uidBase
 */

/**
 * @typedef {object} StreamResult
 * @property {string} tag
 * @property {Map<string, number>} received  token → receive time
 * @property {Map<string, number>} [stored]   token → when the server stored its event (its `at`, whole ms)
 * @property {string} [text]                  what the stream said (Hangar's streams)
 * @property {string} [error]
 */

/**
 * @param {'d' | 'p' | 'h'} pathKey  provider direct, Pi direct, Hangar
 * @param {'a' | 'b'} phase
 * @param {number} stream
 */
const tagOf = (pathKey, phase, stream) => `${pathKey}${phase}${String(stream).padStart(2, '0')}`;
const now = () => performance.timeOrigin + performance.now();

/**
 * @param {import('./suite.js').SuiteContext} ctx
 * @param {AgentEventsOptions} options
 * @returns {Promise<import('./suite.js').SuiteOutcome>}
 */
export async function agentEventsSuite(ctx, options) {
  console.log(
    `\nagent-events: token from the scripted provider's socket write to a client's read of it;` +
      ` ${options.tokens} tokens per reply, ${options.intervalMs} ms apart;` +
      ` ${options.rounds} reply(ies) one at a time, then ${options.concurrent} at once, per path` +
      ` (provider direct, Pi direct, Hangar)`,
  );
  if (!ctx.withHangar) {
    console.log('  skipped: --baseline-only');
    return { result: { agentEvents: { options, skipped: 'baseline-only' } }, failed: false };
  }
  assertUidRangeFree(options.uidBase);
  /** @type {string[]} */
  const problems = [];
  /** @type {Map<string, number>} token → send time */
  const sent = new Map();
  /** @type {Record<string, StreamResult[]>} */
  const streams = { da: [], pa: [], ha: [], db: [], pb: [], hb: [] };
  const dataDir = ctx.tempDirs.create('hangar-bench-agent-');
  const scratch = ctx.tempDirs.create('hangar-bench-agent-cfg-');
  // The agent baseline's Pi processes: their HOME and working directory.
  const piDir = ctx.tempDirs.create('hangar-bench-agent-pi-');
  /** @type {Set<PiRpc>} the baseline's Pi processes not stopped yet */
  const piAgents = new Set();
  let finished = false;
  ctx.atExit(() => {
    if (finished) return;
    for (const agent of piAgents) agent.kill();
    killAll([...leftovers(options.uidBase, dataDir, new Set()), ...processesIn(piDir, new Set())]);
  });
  /** @type {import('../lib/processes.js').Started | undefined} */
  let provider;
  /** @type {import('../lib/processes.js').Started | undefined} */
  let server;
  try {
    const scenarioFile = path.join(scratch, 'scenario.json');
    writeFileSync(scenarioFile, JSON.stringify(scenarioOf(options)));
    provider = await startServer({
      command: process.execPath,
      args: [stampedProvider, scenarioFile],
      readyPath: '/_scripted/scenario',
      timeoutMs: ctx.startupTimeoutMs,
    });
    if (!provider.child.stdout) throw new Error('the provider has no stdout');
    createInterface({ input: provider.child.stdout }).on('line', (line) => {
      const [word, token, at] = line.split(' ');
      if (word === 'stamp' && token && at && !sent.has(token)) sent.set(token, Number(at));
    });
    const piCli = findPiCli();
    if (!piCli) throw new Error(`${PI_PACKAGE} is not installed (npm install in the Hangar monorepo)`);
    const piHome = path.join(piDir, 'home');
    const piWork = path.join(piDir, 'work');
    mkdirSync(piWork, { recursive: true });
    writePiConfig(piHome, provider.url, MODEL);
    /** @type {import('../lib/pi-rpc.js').PiSpec} */
    const piSpec = { cli: piCli, home: piHome, cwd: piWork, model: MODEL };
    const stopAgents = async () => problems.push(...(await stopPiAgents(piAgents, piDir)));
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
        HANGAR_DEFAULT_TEMPLATE: TEMPLATE,
        HANGAR_PROVIDERS: JSON.stringify({
          anthropic: { kind: 'anthropic', baseUrl: provider.url.origin, keyless: true },
        }),
      }),
      timeoutMs: ctx.startupTimeoutMs,
    });
    const api = hangarApi(server.url);
    /** @type {string[]} */
    const sessionIds = [];
    try {
      const workspace = await api.createWorkspace('bench-agent-events', TEMPLATE);
      if (workspace.state !== 'running')
        throw new Error(`the workspace is ${workspace.state}: ${workspace.error ?? ''}`);
      const serverUrl = server.url;
      const providerUrl = provider.url;
      const direct = (/** @type {string} */ tag) => directStream(providerUrl, tag, options.tokens);
      const viaPi = async (/** @type {string} */ tag) => {
        try {
          const [agent] = await readyAgents(piSpec, 1, piAgents);
          if (!agent) throw new Error('no Pi process was started');
          return await piStream(agent, tag, options.tokens);
        } finally {
          await stopAgents();
        }
      };
      const ready = (/** @type {number} */ count) =>
        readySessions(serverUrl, workspace.id, count, sessionIds);
      const viaHangar = async (/** @type {string} */ tag) => {
        const [session] = await ready(1);
        if (!session) throw new Error('no session was started');
        return sessionStream(serverUrl, session, tag, options.tokens);
      };
      const deadline = performance.now() + options.maxSeconds * 1000;
      // One at a time, taking turns: provider direct, Pi direct, then Hangar, per round.
      for (let i = 0; i < options.rounds && performance.now() < deadline; i++) {
        streams.da?.push(await direct(tagOf('d', 'a', i)));
        streams.pa?.push(await viaPi(tagOf('p', 'a', i)));
        streams.ha?.push(await viaHangar(tagOf('h', 'a', i)));
      }
      // All at once: provider direct, then Pi direct, then Hangar; the baseline's
      // Pi processes are stopped before Hangar's sessions start.
      streams.db?.push(
        ...(await Promise.all(
          Array.from({ length: options.concurrent }, (_, i) => direct(tagOf('d', 'b', i))),
        )),
      );
      try {
        const agents = await readyAgents(piSpec, options.concurrent, piAgents);
        streams.pb?.push(
          ...(await Promise.all(
            agents.map((agent, i) => piStream(agent, tagOf('p', 'b', i), options.tokens)),
          )),
        );
      } finally {
        await stopAgents();
      }
      const sessions = await ready(options.concurrent);
      streams.hb?.push(
        ...(await Promise.all(
          sessions.map((session, i) => sessionStream(serverUrl, session, tagOf('h', 'b', i), options.tokens)),
        )),
      );
      await sleep(100); // the last stamps are printed after their write
      for (const id of sessionIds)
        await call(serverUrl, 'POST', `/api/sessions/${id}/stop`).catch((error) =>
          problems.push(`stopping session ${id}: ${messageOf(error)}`),
        );
    } finally {
      problems.push(...(await cleanUp(api, server, dataDir, options.uidBase)));
      api.close();
    }
  } catch (error) {
    problems.push(messageOf(error));
  } finally {
    if (piAgents.size > 0) problems.push(...(await stopPiAgents(piAgents, piDir)));
    if (server) await stopServer(server.child);
    if (provider) await stopServer(provider.child);
    const left = leftovers(options.uidBase, dataDir, new Set());
    for (const p of left) problems.push(`left behind after the server stopped, now killed: pid ${p.pid}`);
    killAll(left);
    finished = true;
    for (const dir of [dataDir, scratch, piDir]) {
      const leftDir = ctx.tempDirs.remove(dir);
      if (leftDir) problems.push(leftDir);
    }
  }

  const { rows, startSpreadMs } = report(streams, sent, options, problems);
  for (const problem of problems) console.error(`bench: ${problem}`);
  const failed = problems.length > 0;
  if (failed && server?.output.length)
    console.error(`bench: the server's last output:\n    ${server.output.slice(-15).join('\n    ')}`);
  return {
    result: { agentEvents: { options, rows, startSpreadMs, targetP99Ms: TARGET_P99_MS, problems } },
    failed,
  };
}

/** @param {AgentEventsOptions} options */
function scenarioOf(options) {
  /** @type {string[]} */
  const tags = [];
  for (const p of /** @type {const} */ (['d', 'p', 'h'])) {
    for (let i = 0; i < options.rounds; i++) tags.push(tagOf(p, 'a', i));
    for (let i = 0; i < options.concurrent; i++) tags.push(tagOf(p, 'b', i));
  }
  return {
    model: MODEL,
    turns: tags.map((tag) => {
      const text = tokensOf(tag, options.tokens).join('');
      // A path's concurrent replies start streaming together, however spread out their requests came.
      const together = tag[1] === 'b' && {
        startTogether: { group: tag.slice(0, 2), count: options.concurrent, timeoutMs: STREAM_TIMEOUT_MS },
      };
      return {
        name: tag,
        match: { lastUserText: `/bench ${tag}$/` },
        reply: {
          ...together,
          text,
          pace: {
            chunkChars: `${tag}t000 `.length,
            intervalMs: options.intervalMs,
            firstChunkMs: FIRST_CHUNK_MS,
          },
        },
      };
    }),
    fallback: { reply: { text: 'no benchmark reply for that' } },
  };
}

/**
 * @param {string} tag
 * @param {number} count
 */
function tokensOf(tag, count) {
  return Array.from({ length: count }, (_, k) => `${tag}t${String(k).padStart(3, '0')} `);
}

/**
 * Reads a stream, stamping each token the first time it is complete in what arrived.
 * @param {import('node:http').IncomingMessage} res
 * @param {StreamResult} result
 * @param {number} count
 * @param {(text: string) => boolean} done  true once the stream has said all it will
 * @returns {Promise<void>}
 */
function readTokens(res, result, count, done) {
  return new Promise((resolve) => {
    let text = '';
    res.setEncoding('utf8');
    res.on('data', (/** @type {string} */ chunk) => {
      const at = now();
      // Scan from a little before the new data: a token may straddle two reads.
      const from = Math.max(0, text.length - 16);
      text += chunk;
      for (const match of text.slice(from).matchAll(TOKEN_PATTERN)) {
        if (match[0].startsWith(result.tag) && !result.received.has(match[0]))
          result.received.set(match[0], at);
      }
      if (result.text !== undefined) result.text = text;
      if (result.received.size >= count || done(text)) {
        res.destroy();
        resolve();
      }
    });
    res.once('end', resolve);
    res.once('close', resolve);
    res.once('error', (error) => {
      result.error ??= messageOf(error);
      resolve();
    });
  });
}

/**
 * The baseline: a streamed Anthropic Messages request straight to the provider.
 * @param {URL} providerUrl
 * @param {string} tag
 * @param {number} count
 * @returns {Promise<StreamResult>}
 */
async function directStream(providerUrl, tag, count) {
  /** @type {StreamResult} */
  const result = { tag, received: new Map() };
  const body = JSON.stringify({
    model: MODEL,
    max_tokens: 1024,
    stream: true,
    messages: [{ role: 'user', content: `bench ${tag}` }],
  });
  try {
    const res = await open(new URL('/v1/messages', providerUrl), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'anthropic-version': '2023-06-01',
        'x-api-key': 'bench-key',
      },
      body,
    });
    if (res.statusCode !== 200) throw new Error(`provider answered ${res.statusCode}`);
    await withTimeout(
      readTokens(res, result, count, (text) => text.includes('message_stop')),
      res,
    );
  } catch (error) {
    result.error = messageOf(error);
  }
  return result;
}

/**
 * Starts `count` Pi sessions and waits until the first turn of each (a
 * fallback reply with no tokens) is done, so the measured turn finds Pi
 * running, not booting. Polls the workspace's session list (one light query
 * for all of them) rather than each session's transcript, which would load
 * the server while the others start.
 * @param {URL} serverUrl
 * @param {string} workspaceId
 * @param {number} count
 * @param {string[]} sessionIds  every session created, for stopping them afterwards
 * @returns {Promise<{ id: string, lastEventId: number }[]>}
 */
async function readySessions(serverUrl, workspaceId, count, sessionIds) {
  const ids = await Promise.all(
    Array.from({ length: count }, async () => {
      const created = await call(
        serverUrl,
        'POST',
        '/api/sessions',
        { workspaceId, agent: 'pi', model: MODEL, prompt: 'warm up', permissionMode: 'allow_all' },
        STREAM_TIMEOUT_MS,
      );
      const id = created && typeof created === 'object' && 'id' in created ? String(created.id) : '';
      if (!id) throw new Error('POST /api/sessions: no id in the answer');
      sessionIds.push(id);
      return id;
    }),
  );
  const deadline = performance.now() + STREAM_TIMEOUT_MS;
  for (;;) {
    const list = /** @type {{ sessions?: { id: string, status: string }[] }} */ (
      await call(serverUrl, 'GET', `/api/sessions?workspace=${workspaceId}`)
    );
    const statusOf = new Map((list.sessions ?? []).map((s) => [s.id, s.status]));
    const failed = ids.find((id) => ['error', 'stopped'].includes(statusOf.get(id) ?? ''));
    if (failed) throw new Error(`session ${failed} is ${statusOf.get(failed)}`);
    if (ids.every((id) => statusOf.get(id) === 'idle')) break;
    if (performance.now() > deadline) {
      const waiting = ids.filter((id) => statusOf.get(id) !== 'idle');
      throw new Error(`${waiting.length} session(s) still not idle after their first turn`);
    }
    await sleep(250);
  }
  return Promise.all(
    ids.map(async (id) => {
      const got = /** @type {{ events?: { id: number }[] }} */ (
        await call(serverUrl, 'GET', `/api/sessions/${id}`)
      );
      return { id, lastEventId: got.events?.at(-1)?.id ?? 0 };
    }),
  );
}

/**
 * Through Hangar: a message to a ready Pi session selects the reply, read over SSE.
 * @param {URL} serverUrl
 * @param {{ id: string, lastEventId: number }} session
 * @param {string} tag
 * @param {number} count
 * @returns {Promise<StreamResult>}
 */
async function sessionStream(serverUrl, session, tag, count) {
  /** @type {StreamResult} */
  const result = { tag, received: new Map(), text: '' };
  const { id } = session;
  try {
    const res = await open(new URL(`/api/sessions/${id}/events?after=${session.lastEventId}`, serverUrl), {
      method: 'GET',
      headers: { accept: 'text/event-stream' },
    });
    if (res.statusCode !== 200) throw new Error(`GET …/events answered ${res.statusCode}`);
    const reading = withTimeout(
      readTokens(res, result, count, (text) => /"type":"RUN_(FINISHED|ERROR)"/.test(text)),
      res,
    );
    await call(serverUrl, 'POST', `/api/sessions/${id}/messages`, { text: `bench ${tag}` });
    await reading;
    result.stored = storedTimes(result.text ?? '', tag);
    if (result.received.size < count) {
      const snapshot = await call(serverUrl, 'GET', `/api/sessions/${id}`);
      const status = JSON.stringify(snapshot).match(/"status":"(\w+)"/)?.[1];
      result.error = `session ${id} (${status ?? '?'}) streamed ${result.received.size} of ${count} tokens`;
    }
  } catch (error) {
    result.error = messageOf(error);
  }
  return result;
}

/**
 * The agent baseline: starts `count` Pi processes on the host and waits until
 * each has answered a first prompt (a fallback reply with no tokens), as
 * readySessions() does for Hangar's sessions.
 * @param {import('../lib/pi-rpc.js').PiSpec} spec
 * @param {number} count
 * @param {Set<PiRpc>} started  every process started, for stopping them afterwards
 * @returns {Promise<PiRpc[]>}
 */
async function readyAgents(spec, count, started) {
  const agents = Array.from({ length: count }, () => new PiRpc(spec));
  for (const agent of agents) started.add(agent);
  await Promise.all(
    agents.map(async (agent) => {
      try {
        await agent.init(STREAM_TIMEOUT_MS);
        await agent.run('warm up', STREAM_TIMEOUT_MS);
      } catch (error) {
        throw new Error(`Pi on the host (pid ${agent.pid}): ${messageOf(error)}`, { cause: error });
      }
    }),
  );
  return agents;
}

/**
 * Stops the baseline's Pi processes (by PID), then checks that nothing works
 * in their directory any more; anything found is reported and killed by its PID.
 * @param {Set<PiRpc>} agents
 * @param {string} piDir
 * @returns {Promise<string[]>} problems
 */
async function stopPiAgents(agents, piDir) {
  await Promise.all([...agents].map((agent) => agent.stop()));
  agents.clear();
  const left = processesIn(piDir, new Set());
  killAll(left);
  return left.map((p) => `left behind by a stopped Pi process, now killed: ${describeProcess(p)}`);
}

/**
 * Through Pi alone: a prompt to a ready Pi process on the host selects the
 * reply; each token is stamped when the read that completes its text_delta
 * line of Pi's stdout comes in.
 * @param {PiRpc} agent
 * @param {string} tag
 * @param {number} count
 * @returns {Promise<StreamResult>}
 */
async function piStream(agent, tag, count) {
  /** @type {StreamResult} */
  const result = { tag, received: new Map() };
  let text = '';
  const off = agent.onLine((line, at) => {
    if (line.type !== 'message_update') return;
    const event = /** @type {{ type?: string, delta?: unknown } | undefined} */ (line.assistantMessageEvent);
    if (event?.type !== 'text_delta' || typeof event.delta !== 'string') return;
    // Scan from a little before the new delta: a token may straddle two deltas.
    const from = Math.max(0, text.length - 16);
    text += event.delta;
    for (const match of text.slice(from).matchAll(TOKEN_PATTERN)) {
      if (match[0].startsWith(tag) && !result.received.has(match[0])) result.received.set(match[0], at);
    }
  });
  try {
    await agent.run(`bench ${tag}`, STREAM_TIMEOUT_MS);
    if (result.received.size < count)
      result.error = `Pi on the host (pid ${agent.pid}) streamed ${result.received.size} of ${count} tokens`;
  } catch (error) {
    result.error = messageOf(error);
  } finally {
    off();
  }
  return result;
}

/**
 * When the server stored each token's event: the `at` of the SSE events that carry it.
 * @param {string} text  the SSE stream
 * @param {string} tag
 * @returns {Map<string, number>}
 */
function storedTimes(text, tag) {
  /** @type {Map<string, number>} */
  const stored = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith('data: ')) continue;
    try {
      const { at, event } = JSON.parse(line.slice(6));
      if (event?.type !== 'TEXT_MESSAGE_CONTENT') continue;
      for (const match of String(event.delta).matchAll(TOKEN_PATTERN))
        if (match[0].startsWith(tag)) stored.set(match[0], Date.parse(at));
    } catch {
      // a line cut by the end of the read
    }
  }
  return stored;
}

/**
 * @param {Promise<void>} reading
 * @param {import('node:http').IncomingMessage} res
 */
async function withTimeout(reading, res) {
  const timer = setTimeout(() => res.destroy(), STREAM_TIMEOUT_MS);
  await reading;
  clearTimeout(timer);
}

/**
 * @param {URL} url
 * @param {{ method: string, headers: Record<string, string | number>, body?: string }} init
 * @returns {Promise<import('node:http').IncomingMessage>}
 */
function open(url, { method, headers, body }) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, resolve);
    req.setTimeout(STREAM_TIMEOUT_MS, () => req.destroy(new Error(`${method} ${url.pathname}: timed out`)));
    req.once('error', reject);
    req.end(body);
  });
}

/**
 * A JSON request to Hangar.
 * @param {URL} base
 * @param {string} method
 * @param {string} route
 * @param {unknown} [body]
 * @param {number} [timeoutMs]  session starts wait for Pi to boot: longer than other requests
 * @returns {Promise<unknown>}
 */
async function call(base, method, route, body, timeoutMs = 30_000) {
  const res = await fetch(new URL(route, base), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : undefined;
}

/**
 * @param {Record<string, StreamResult[]>} streams
 * @param {Map<string, number>} sent
 * @param {AgentEventsOptions} options
 * @param {string[]} problems
 */
function report(streams, sent, options, problems) {
  /** @param {StreamResult[]} list */
  const latencies = (list) => {
    /** @type {number[]} */
    const values = [];
    for (const s of list) {
      if (s.error) problems.push(`${s.tag}: ${s.error}`);
      for (const [token, at] of s.received) {
        const start = sent.get(token);
        if (start === undefined) problems.push(`${token}: received but no send stamp`);
        else values.push(at - start);
      }
    }
    return latency(values);
  };
  const rows = [
    {
      label: 'one at a time',
      sessions: 1,
      direct: latencies(streams.da ?? []),
      agent: latencies(streams.pa ?? []),
      hangar: latencies(streams.ha ?? []),
    },
    {
      label: `${options.concurrent} at once`,
      sessions: options.concurrent,
      direct: latencies(streams.db ?? []),
      agent: latencies(streams.pb ?? []),
      hangar: latencies(streams.hb ?? []),
    },
  ].map(withAddedLatency); // the agent here is Pi on the host

  console.log(
    '  latency = time a client reads a token − time the provider wrote it (one clock), in ms, p50 / p99 (n);' +
      ' Pi direct = the same Pi on the host, no Hangar;',
  );
  console.log(
    '  added by Hangar = Hangar − Pi direct, and Hangar − provider = Hangar − provider direct' +
      " (which also counts Pi's own processing), at the same percentile",
  );
  console.log(
    `  ${'streams'.padEnd(16)}${'provider direct'.padEnd(24)}${'Pi direct'.padEnd(24)}${'Hangar'.padEnd(24)}` +
      `${'added by Hangar'.padEnd(18)}Hangar − provider`,
  );
  const pair = (/** @type {number} */ p50, /** @type {number} */ p99) => `${fmt(p50, 2)} / ${fmt(p99, 2)}`;
  for (const r of rows) {
    const cell = (/** @type {ReturnType<typeof latency>} */ l) => `${pair(l.p50, l.p99)} (${l.n})`;
    console.log(
      `  ${r.label.padEnd(16)}${cell(r.direct).padEnd(24)}${cell(r.agent).padEnd(24)}${cell(r.hangar).padEnd(24)}` +
        `${pair(r.addedP50, r.addedP99).padEnd(18)}${pair(r.overProviderP50, r.overProviderP99)}`,
    );
  }
  // Where Hangar's time goes: before the event log (LLM proxy, Pi in its sandbox, the adapter)
  // and after it (store, SSE write, the client's read). The server's `at` has whole-ms resolution.
  for (const [label, list] of /** @type {const} */ ([
    ['one at a time', streams.ha ?? []],
    [`${options.concurrent} at once`, streams.hb ?? []],
  ])) {
    /** @type {number[]} */
    const before = [];
    /** @type {number[]} */
    const after = [];
    for (const s of list) {
      for (const [token, at] of s.stored ?? []) {
        const start = sent.get(token);
        const end = s.received.get(token);
        if (start !== undefined) before.push(at - start);
        if (end !== undefined) after.push(end - at);
      }
    }
    const b = latency(before);
    const a = latency(after);
    console.log(
      `  Hangar, ${label}: provider → stored event ${fmt(b.p50, 1)} / ${fmt(b.p99, 1)},` +
        ` stored event → client ${fmt(a.p50, 1)} / ${fmt(a.p99, 1)} (p50 / p99)`,
    );
  }
  // How far apart the `concurrent` streams of each path began (their first tokens' send stamps):
  // the closer together, the more of each reply overlaps the others'.
  /** @param {StreamResult[]} list */
  const spread = (list) => {
    const firsts = list.flatMap((s) => sent.get(`${s.tag}t000`) ?? []);
    return firsts.length > 1 ? Math.max(...firsts) - Math.min(...firsts) : Number.NaN;
  };
  const startSpreadMs = {
    direct: spread(streams.db ?? []),
    agent: spread(streams.pb ?? []),
    hangar: spread(streams.hb ?? []),
  };
  console.log(
    `  ${options.concurrent} at once, first tokens sent within: provider direct ${fmt(startSpreadMs.direct, 0)} ms,` +
      ` Pi direct ${fmt(startSpreadMs.agent, 0)} ms, Hangar ${fmt(startSpreadMs.hangar, 0)} ms` +
      ` (each reply lasts about ${fmt(FIRST_CHUNK_MS + (options.tokens - 1) * options.intervalMs, 0)} ms)`,
  );
  const last = rows[1];
  const verdict =
    last && Number.isFinite(last.addedP99)
      ? last.addedP99 < TARGET_P99_MS
        ? 'met'
        : 'NOT met'
      : 'not measured';
  console.log(
    `  target: under ${TARGET_P99_MS} ms added by Hangar (Hangar − Pi direct) at p99 with` +
      ` ${options.concurrent} sessions: ${verdict}${last ? ` (${fmt(last.addedP99, 2)} ms)` : ''}`,
  );
  if (last)
    console.log(
      `  Hangar − provider direct at p99 with ${options.concurrent} sessions, which also counts` +
        ` Pi's own processing: ${fmt(last.overProviderP99, 2)} ms`,
    );
  return { rows, startSpreadMs };
}
