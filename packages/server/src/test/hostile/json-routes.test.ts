import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMember, setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { createWorkspace } from '../workspaces.js';
import {
  hostileParams,
  malformedBodies,
  operations,
  schemaBodies,
  type HostileBody,
  type Operation,
} from './schema-fuzz.js';
import { bwrapMissing } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

/** Slowest answer accepted, in ms: a route that takes longer on hostile input counts as a hang. */
const ANSWER_WITHIN_MS = 10_000;
const CONCURRENCY = 4;
const SEED = Number(process.env.HANGAR_FUZZ_SEED ?? Date.now() % 1_000_000);

interface Case {
  who: 'admin' | 'anonymous';
  op: Operation;
  label: string;
  url: string;
  body?: HostileBody;
}

interface Outcome {
  status: number;
  ms: number;
  errorId?: string;
}

/**
 * Every JSON route the server's OpenAPI document lists, called as an admin
 * and anonymously with bodies and parameters that break its schema: no
 * answer may be a 5xx, take longer than ANSWER_WITHIN_MS, or leave the server
 * dead or its prototypes polluted.
 */
describe.skipIf(bwrapMissing)('hostile input to every JSON route', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-fuzz-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 900) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  const errorLogs: string[] = [];
  let server: TestServer;
  let admin: TestClient;
  let ids: Record<string, string>;

  beforeAll(async () => {
    server = await startTestServer({
      dataDir,
      env,
      logStream: (line) => {
        if (/"level":(50|60)/.test(line)) errorLogs.push(line.slice(0, 2000));
      },
    });
    admin = await setupAdmin(server);
    await createMember(server, admin, 'fuzzed');
    const member = (await admin.get('/api/users')).body.users.find(
      (u: { username: string }) => u.username === 'fuzzed',
    );
    const ws = await createWorkspace(admin, { name: 'fuzz' });
    expect(ws.body.state).toBe('running');
    ids = { workspace: ws.body.id, user: member.id };
  }, 60_000);

  afterAll(async () => {
    if (ids?.workspace)
      await admin?.request('DELETE', `/api/workspaces/${ids.workspace}`, { confirm: 'fuzz' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The op's path with real ids in, except `fuzzed`, which gets `value`. */
  const urlOf = (op: Operation, fuzzed?: string, value?: string) => {
    let url = op.path;
    for (const param of op.pathParams) {
      const real =
        param === 'userId' || op.path.startsWith('/api/users/')
          ? ids.user
          : op.path.startsWith('/api/workspaces/') && param === 'id'
            ? ids.workspace
            : 'x1';
      url = url.replace(`{${param}}`, param === fuzzed ? value! : real!);
    }
    return url;
  };

  const casesOf = (op: Operation): Case[] => {
    const cases: Case[] = [];
    const params = hostileParams(SEED, 1);
    for (const param of op.pathParams) {
      for (const [label, value] of params) {
        cases.push({ who: 'admin', op, label: `path ${param}: ${label}`, url: urlOf(op, param, value) });
      }
    }
    for (const param of op.queryParams) {
      for (const [label, value] of params) {
        cases.push({
          who: 'admin',
          op,
          label: `query ${param}: ${label}`,
          url: `${urlOf(op)}?${param}=${value}`,
        });
      }
      cases.push({
        who: 'admin',
        op,
        label: `query ${param} twice`,
        url: `${urlOf(op)}?${param}=a&${param}=b`,
      });
    }
    if (op.method !== 'GET') {
      const bodies = [...malformedBodies(), ...(op.body ? schemaBodies(op.body, SEED, 5, 3) : [])];
      for (const body of bodies)
        cases.push({ who: 'admin', op, label: `body ${body.label}`, url: urlOf(op), body });
      // Anonymous: the same door, fewer keys tried (each must stop at authentication or validation).
      for (const body of bodies.slice(0, 6)) {
        cases.push({ who: 'anonymous', op, label: `body ${body.label}`, url: urlOf(op), body });
      }
    }
    for (const [label, value] of params.slice(0, 4)) {
      const param = op.pathParams[0];
      const url = param ? urlOf(op, param, value) : `${urlOf(op)}?__proto__[polluted]=${value}`;
      cases.push({ who: 'anonymous', op, label: `params: ${label}`, url });
    }
    return cases;
  };

  const send = async (c: Case): Promise<Outcome> => {
    const headers = new Headers({ origin: server.url });
    if (c.who === 'admin' && admin.cookie) headers.set('cookie', admin.cookie);
    if (c.body) headers.set('content-type', c.body.contentType ?? 'application/json');
    const started = performance.now();
    const response = await fetch(new URL(c.url, server.url), {
      method: c.op.method,
      headers,
      ...(c.body && { body: typeof c.body.raw === 'string' ? c.body.raw : new Uint8Array(c.body.raw) }),
      signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    });
    const type = response.headers.get('content-type') ?? '';
    let errorId: string | undefined;
    if (type.includes('text/event-stream')) {
      await response.body?.cancel(); // a stream that opened: its headers were the answer
    } else {
      const text = await response.text();
      if (response.status >= 400 && type.includes('json')) {
        errorId = (JSON.parse(text) as { error?: { id?: string } }).error?.id;
      }
    }
    return { status: response.status, ms: performance.now() - started, ...(errorId && { errorId }) };
  };

  it('answers each with a 2xx-4xx in bounded time; the server stays up and unpolluted', async () => {
    const doc = await server.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    const ops = operations(doc.body);
    expect(ops.length).toBeGreaterThan(50);
    // The admin's own session is not fuzzed away; hostile values still reach logout's body parser.
    const cases = ops
      .filter((op) => !(op.method === 'POST' && op.path === '/api/auth/logout'))
      .flatMap(casesOf);
    const failures: string[] = [];
    /** 4xx answers without Hangar's error shape (Fastify's own, before any route): listed, not failed. */
    const bare = new Set<string>();
    /** Time spent per route, in ms, to show where the run's time goes. */
    const perRoute = new Map<string, number>();
    let tried = 0;
    let slowest = 0;
    const statuses = new Map<number, number>();
    const queue = [...cases];
    const worker = async () => {
      for (let c = queue.shift(); c; c = queue.shift()) {
        const what = `${c.who} ${c.op.method} ${c.op.path} (${c.label})`;
        try {
          const outcome = await send(c);
          tried++;
          slowest = Math.max(slowest, outcome.ms);
          const key = `${c.op.method} ${c.op.path}`;
          perRoute.set(key, (perRoute.get(key) ?? 0) + outcome.ms);
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
          if (outcome.status >= 500) failures.push(`${what}: ${outcome.status} ${outcome.errorId ?? ''}`);
          else if (outcome.status >= 400 && !outcome.errorId) bare.add(`${outcome.status} ${c.label}`);
        } catch (error) {
          tried++;
          failures.push(`${what}: ${(error as Error).name} ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `fuzz cases tried: ${tried} (JSON routes: ${ops.length}, seed ${SEED}, slowest answer ${Math.round(slowest)} ms,` +
        ` statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))})`,
    );
    const costly = [...perRoute].sort((a, b) => b[1] - a[1]).slice(0, 5);
    console.log(`most time: ${costly.map(([route, ms]) => `${route} ${Math.round(ms)} ms`).join(', ')}`);
    if (bare.size > 0) console.log(`4xx answers without an error id: ${[...bare].sort().join('; ')}`);
    expect((await server.client().get('/api/health')).status).toBe(200);
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await admin.get('/api/me')).status).toBe(200);
    expect(failures.slice(0, 40)).toEqual([]);
    expect(errorLogs.slice(0, 10)).toEqual([]);
  }, 180_000);
});
