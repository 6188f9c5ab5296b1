import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bwrapMissing } from '../agent-testbed.js';
import { TerminalClient } from '../terminal-client.js';
import { AuthzBed, ROLES, type Role } from './authz-bed.js';
import { API_TOKEN_CALLS, CALLS, defaultParams, type Call, type CallOf } from './calls.js';
import {
  API_TOKEN,
  EXPECTED,
  HIDDEN,
  LLM,
  TERMINAL_SOCKET,
  type Expected,
  type Outcome,
} from './expected.js';

/** Longest any one call may take, in ms (a stream answers with its headers). */
const CALL_TIMEOUT_MS = 15_000;
const CONCURRENCY = 4;

/** The server-sent-event routes. */
const SSE_ROUTE = /\/(events|stream)$/;

interface Answer {
  outcome: Outcome | '5xx' | 'no stream';
  status: number;
  detail: string;
}

/**
 * The authorization matrix: every route of the OpenAPI document (and every route left out of it)
 * called as each role, compared with the one table in expected.ts.
 */
describe.skipIf(bwrapMissing)('authorization matrix', () => {
  let bed: AuthzBed;
  let checked = 0;
  /** How often each status came back (a matrix of 400s would prove little). */
  const statuses = new Map<number, number>();

  beforeAll(async () => {
    bed = await AuthzBed.start();
  }, 120_000);
  afterAll(async () => {
    await bed?.close();
    const spread = [...statuses].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(`routes × roles checked: ${checked} (statuses: ${spread.join(' ')})`);
  }, 120_000);

  const call = async (method: string, path: string, role: Role, spec: Call): Promise<Answer> => {
    const params = { ...defaultParams(bed, path), ...spec.params };
    const url = path.replace(/\{([^}]+)\}|\*/g, (whole, name: string | undefined) =>
      encodeURIComponent(String(params[name ?? '*'] ?? whole)),
    );
    const headers = new Headers({ ...bed.headersOf(role), ...spec.headers });
    // A browser names its origin on writes; code in the sandbox does not.
    if (method !== 'GET' && role !== 'token') headers.set('origin', bed.server.url);
    let body: BodyInit | undefined;
    if (spec.form) body = spec.form;
    else if (method !== 'GET' && method !== 'HEAD') {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(spec.body ?? {});
    }
    const response = await fetch(new URL(`${url}${spec.query ? `?${spec.query}` : ''}`, bed.server.url), {
      method,
      headers,
      ...(body !== undefined && { body }),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
    const stream = response.headers.get('content-type')?.includes('text/event-stream');
    const detail = stream ? '(event stream)' : (await response.text()).slice(0, 300);
    if (stream) await response.body?.cancel();
    const status = response.status;
    // An event stream that is allowed must really open.
    if (SSE_ROUTE.test(path) && status < 300 && !stream) return { outcome: 'no stream', status, detail };
    const outcome =
      status >= 500 ? '5xx' : status === 401 || status === 403 || status === 404 ? status : 'ok';
    return { outcome, status, detail };
  };

  /** Calls the route as every role in turn; mismatches as readable lines. */
  const check = async (method: string, path: string, expected: Expected): Promise<string[]> => {
    const wrong: string[] = [];
    for (const role of ROLES) {
      const callOf: CallOf = CALLS[`${method} ${path}`] ?? (() => ({}));
      const spec = await callOf(bed, role);
      const answer = await call(method, path, role, spec).finally(() => spec.after?.());
      checked++;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.outcome !== expected[role])
        wrong.push(
          `${method} ${path} as ${role}: expected ${expected[role]}, got ${answer.status} ${answer.detail}`,
        );
    }
    return wrong;
  };

  it('answers every documented route as the table says, for every role', async () => {
    const doc = await bed.server.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    const documented = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // The table and the document name the same routes: a new route must be classified.
    expect(
      documented.filter((key) => !EXPECTED[key]),
      'routes missing from expected.ts',
    ).toEqual([]);
    expect(
      Object.keys(EXPECTED).filter((key) => !documented.includes(key)),
      'routes in expected.ts the server no longer has',
    ).toEqual([]);

    const queue = [...documented];
    const wrong: string[] = [];
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        const [method, path] = key.split(' ') as [string, string];
        wrong.push(...(await check(method, path, EXPECTED[key]!)));
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(wrong).toEqual([]);
  }, 300_000);

  it('classifies every route the document leaves out, and calls them', async () => {
    const registered = bed.server.app.routeCatalog.map(
      (r) => `${r.method} ${r.url.replace(/:([A-Za-z]+)/g, '{$1}')}`,
    );
    const documented = new Set(Object.keys(EXPECTED));
    const hidden = [...new Set(registered.filter((key) => !documented.has(key)))];
    expect(
      hidden.filter((key) => !HIDDEN[key]),
      'hidden routes missing from expected.ts',
    ).toEqual([]);
    expect(Object.keys(HIDDEN).filter((key) => !hidden.includes(key))).toEqual([]);
    const wrong: string[] = [];
    for (const key of hidden) {
      const expected = HIDDEN[key]!.expected;
      if (typeof expected !== 'object') continue; // the socket and the LLM proxy: below
      const [method, path] = key.split(' ') as [string, string];
      wrong.push(...(await check(method, path, expected)));
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  it('the LLM proxy takes only a running workspace’s token', async () => {
    const wrong: string[] = [];
    const body = { model: 'scripted-1', max_tokens: 16, messages: [{ role: 'user', content: 'Say hello' }] };
    for (const role of ROLES) {
      const answer = await call('POST', '/llm/{provider}/*', role, {
        params: { provider: 'anthropic', '*': 'v1/messages' },
        body,
      });
      checked++;
      if (answer.outcome !== LLM[role])
        wrong.push(`POST /llm/anthropic/v1/messages as ${role}: ${answer.status} ${answer.detail}`);
    }
    expect(wrong).toEqual([]);
    // A workspace token is no API token: as a bearer token it opens no user route.
    const bearer = await fetch(new URL(`/api/workspaces/${bed.workspaceId}`, bed.server.url), {
      headers: { authorization: `Bearer ${bed.workspaceToken}` },
    });
    expect(bearer.status).toBe(401);
  });

  it('an API token acts as its user, but creates no token and changes no password', async () => {
    const token = await bed.apiToken('owner');
    const wrong: string[] = [];
    for (const [key, expected] of Object.entries(API_TOKEN)) {
      const [method, path] = key.split(' ') as [string, string];
      const callOf: CallOf = API_TOKEN_CALLS[key] ?? CALLS[key] ?? (() => ({}));
      const spec = await callOf(bed, 'owner');
      // As the CLI sends it: the bearer token alone, no cookie.
      const answer = await call(method, path, 'anonymous', {
        ...spec,
        headers: { ...spec.headers, authorization: `Bearer ${token}` },
      });
      checked++;
      const refusedRight = answer.outcome !== 403 || answer.detail.includes('password_session_required');
      if (answer.outcome !== expected || !refusedRight)
        wrong.push(`${key} with an API token: expected ${expected}, got ${answer.status} ${answer.detail}`);
    }
    expect(wrong).toEqual([]);
  });

  it('the terminal socket: strangers refused, viewers watch without typing, editors up type', async () => {
    const outcomes: Record<string, string | number> = {};
    for (const role of ROLES) {
      outcomes[role] = await socketOutcome(role);
      checked++;
    }
    expect(outcomes).toEqual(TERMINAL_SOCKET);
  }, 60_000);

  /** Opens the terminal socket as the role and tries to type a marker. */
  const socketOutcome = async (role: Role): Promise<string | number> => {
    const url = new URL(`/api/workspaces/${bed.workspaceId}/terminals/${bed.terminalId}/ws`, bed.server.url);
    url.protocol = 'ws:';
    const socket = new WebSocket(url, { headers: { ...bed.headersOf(role), origin: bed.server.url } });
    const frames: { type: string; id?: string }[] = [];
    let closeCode: number | undefined;
    socket.on('message', (data, isBinary) => {
      if (!isBinary) frames.push(JSON.parse(data.toString()) as { type: string; id?: string });
    });
    socket.on('close', (code) => (closeCode = code));
    const opened = await new Promise<number | 'open'>((resolve, reject) => {
      socket.once('open', () => resolve('open'));
      socket.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.once('error', reject);
    });
    if (opened !== 'open') return opened === 401 ? 401 : `refused ${opened}`;
    try {
      const until = async (done: () => boolean) => {
        const deadline = Date.now() + 10_000;
        while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        return done();
      };
      await until(() => closeCode !== undefined || frames.some((f) => f.type === 'snapshot'));
      if (closeCode !== undefined) return closeCode === 4404 ? 404 : `closed ${closeCode}`;
      socket.close();
      // Typing, through a client that renders the screen.
      const client = bed.clients[role as Exclude<Role, 'anonymous' | 'token'>];
      const viewer = await TerminalClient.open(client, bed.workspaceId, bed.terminalId);
      try {
        const marker = `typed-by-${role}-${bed.next()}`;
        // The echoed line holds the marker; the typed one (quotes split it) does not.
        viewer.type(`echo ${marker.replace('-by-', "-by''-")}\r`);
        const refused = () => viewer.frames.some((f) => f.type === 'error' && f.id === 'read_only');
        const typed = async () => (await viewer.renderedText()).includes(marker);
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          if (refused()) return 'watches';
          if (await typed()) return 'types';
          await new Promise((r) => setTimeout(r, 50));
        }
        return 'neither typed nor refused';
      } finally {
        viewer.close();
      }
    } finally {
      socket.close();
    }
  };
});
