// The agent-events suite: how long a token takes from the scripted provider
// to a client, through a real Pi agent session of Hangar and, as the
// baseline, read directly from the provider, measured in the same run.
//
// Every reply of the scenario is a run of distinct tokens (`ha07t012 `: path,
// phase, stream, index), one per content delta, paced `intervalMs` apart. The
// provider (lib/stamped-provider.js, its own process) stamps the moment it
// writes each token to its socket; a client stamps the moment a read brings
// that token in. Latency = receive − send, for each token:
//   direct (baseline): a streaming Anthropic Messages client of the provider;
//   Hangar:            provider → Hangar's LLM proxy → Pi in a bubblewrap
//                      sandbox → the session's event log → an SSE client of
//                      GET /api/sessions/:id/events (TEXT_MESSAGE_CONTENT).
// Both processes read one clock (timeOrigin + now); any offset between their
// origins is the same for both paths and cancels in "added" = Hangar − direct,
// taken percentile by percentile. Phases: one stream at a time (several
// rounds), then `concurrent` streams at once (20 Pi sessions in one workspace).
// Each Pi session is started and has answered a first warm-up prompt before
// its measured message is sent, so the figures time streaming through running
// sessions, not Pi booting (20 Pi processes starting at once on 2 CPUs).
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
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
import { fmt, latency } from '../lib/stats.js';

const stampedProvider = fileURLToPath(new URL('../lib/stamped-provider.js', import.meta.url));
const MODEL = 'scripted-1';
const TEMPLATE = 'default';
const TOKEN_PATTERN = /[hd][ab]\d\dt\d{3}/g;
/** Target: what Hangar adds at p99 with 20 sessions, in ms. */
const TARGET_P99_MS = 10;
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
 * @param {'h' | 'd'} pathKey
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
      ` ${options.rounds} reply(ies) one at a time, then ${options.concurrent} at once, per path`,
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
  const streams = { da: [], ha: [], db: [], hb: [] };
  const dataDir = ctx.tempDirs.create('hangar-bench-agent-');
  const scratch = ctx.tempDirs.create('hangar-bench-agent-cfg-');
  let finished = false;
  ctx.atExit(() => finished || killAll(leftovers(options.uidBase, dataDir, new Set())));
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
      const ready = (/** @type {number} */ count) =>
        readySessions(serverUrl, workspace.id, count, sessionIds);
      const viaHangar = async (/** @type {string} */ tag) => {
        const [session] = await ready(1);
        if (!session) throw new Error('no session was started');
        return sessionStream(serverUrl, session, tag, options.tokens);
      };
      const deadline = performance.now() + options.maxSeconds * 1000;
      // One at a time, taking turns: direct, then Hangar, per round.
      for (let i = 0; i < options.rounds && performance.now() < deadline; i++) {
        streams.da?.push(await direct(tagOf('d', 'a', i)));
        streams.ha?.push(await viaHangar(tagOf('h', 'a', i)));
      }
      // All at once, direct first, then Hangar.
      const all = (/** @type {'d' | 'h'} */ p, /** @type {(tag: string) => Promise<StreamResult>} */ run) =>
        Promise.all(Array.from({ length: options.concurrent }, (_, i) => run(tagOf(p, 'b', i))));
      streams.db?.push(...(await all('d', direct)));
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
    if (server) await stopServer(server.child);
    if (provider) await stopServer(provider.child);
    const left = leftovers(options.uidBase, dataDir, new Set());
    for (const p of left) problems.push(`left behind after the server stopped, now killed: pid ${p.pid}`);
    killAll(left);
    finished = true;
    for (const dir of [dataDir, scratch]) {
      const leftDir = ctx.tempDirs.remove(dir);
      if (leftDir) problems.push(leftDir);
    }
  }

  const rows = report(streams, sent, options, problems);
  for (const problem of problems) console.error(`bench: ${problem}`);
  const failed = problems.length > 0;
  if (failed && server?.output.length)
    console.error(`bench: the server's last output:\n    ${server.output.slice(-15).join('\n    ')}`);
  return { result: { agentEvents: { options, rows, targetP99Ms: TARGET_P99_MS, problems } }, failed };
}

/** @param {AgentEventsOptions} options */
function scenarioOf(options) {
  /** @type {string[]} */
  const tags = [];
  for (const p of /** @type {const} */ (['d', 'h'])) {
    for (let i = 0; i < options.rounds; i++) tags.push(tagOf(p, 'a', i));
    for (let i = 0; i < options.concurrent; i++) tags.push(tagOf(p, 'b', i));
  }
  return {
    model: MODEL,
    turns: tags.map((tag) => {
      const text = tokensOf(tag, options.tokens).join('');
      return {
        name: tag,
        match: { lastUserText: `/bench ${tag}$/` },
        reply: {
          text,
          pace: { chunkChars: `${tag}t000 `.length, intervalMs: options.intervalMs, firstChunkMs: 50 },
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
      hangar: latencies(streams.ha ?? []),
    },
    {
      label: `${options.concurrent} at once`,
      sessions: options.concurrent,
      direct: latencies(streams.db ?? []),
      hangar: latencies(streams.hb ?? []),
    },
  ].map((r) => ({ ...r, addedP50: r.hangar.p50 - r.direct.p50, addedP99: r.hangar.p99 - r.direct.p99 }));

  console.log(
    '  latency = time a client reads a token − time the provider wrote it (one clock), in ms;' +
      ' added = Hangar − direct at the same percentile',
  );
  console.log(
    `  ${'streams'.padEnd(16)}${'direct p50/p99 (n)'.padEnd(26)}${'Hangar p50/p99 (n)'.padEnd(26)}added p50/p99`,
  );
  for (const r of rows) {
    const cell = (/** @type {ReturnType<typeof latency>} */ l) =>
      `${fmt(l.p50, 2)} / ${fmt(l.p99, 2)} (${l.n})`;
    console.log(
      `  ${r.label.padEnd(16)}${cell(r.direct).padEnd(26)}${cell(r.hangar).padEnd(26)}` +
        `${fmt(r.addedP50, 2)} / ${fmt(r.addedP99, 2)}`,
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
  const last = rows[1];
  const verdict =
    last && Number.isFinite(last.addedP99)
      ? last.addedP99 < TARGET_P99_MS
        ? 'met'
        : 'NOT met'
      : 'not measured';
  console.log(
    `  target: under ${TARGET_P99_MS} ms added at p99 with ${options.concurrent} sessions: ${verdict}` +
      (last ? ` (${fmt(last.addedP99, 2)} ms)` : ''),
  );
  return rows;
}
