import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.js';
import type { AgentAdapter } from '../agents/adapter.js';
import { loggerOptions } from '../http/logger.js';
import { startServer, type RunningServer } from '../server.js';
import type { Clock } from '../common/clock.js';
import type { TestDatabase } from './databases.js';

export interface TestServer extends RunningServer {
  config: Config;
  /** A client with no cookie or token yet. */
  client(): TestClient;
  stop(): Promise<void>;
}

/** A real server on a random loopback port, with its own data dir and database. */
export async function startTestServer(
  options: {
    database?: TestDatabase;
    auth?: 'password' | 'none';
    clock?: Clock;
    env?: Record<string, string>;
    /** Reuse a data dir (a restart); it is then left in place by stop(). */
    dataDir?: string;
    /** Receives every log line (JSON) the server writes. */
    logStream?: (line: string) => void;
    /** Agent adapters to offer (default: every installed one). */
    agents?: ReadonlyMap<string, AgentAdapter>;
  } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'hangar-test-'));
  // Servers of parallel test files must not share sandbox uids (the server refuses an overlap, see
  // sandbox/uid-lock.ts): a range of 100 of their own unless the test chose one.
  const uidBase = String(3_000_000 + Math.floor(Math.random() * 100_000) * 100);
  const config = loadConfig({
    HANGAR_SANDBOX_UID_BASE: uidBase,
    HANGAR_SANDBOX_UID_COUNT: '100',
    HANGAR_DATA_DIR: dataDir,
    HANGAR_PORT: '0',
    HANGAR_HOST: '127.0.0.1',
    HANGAR_AUTH: options.auth ?? 'password',
    HANGAR_LOG_LEVEL: process.env.HANGAR_TEST_LOG_LEVEL ?? 'silent',
    ...(options.database && { HANGAR_DATABASE_URL: options.database.url }),
    ...options.env,
  });
  const logStream = options.logStream;
  const server = await startServer(config, {
    ...(options.clock && { clock: options.clock }),
    ...(options.agents && { agents: options.agents }),
    ...(logStream && {
      logger: { ...loggerOptions(config), stream: { write: (line: string) => logStream(line) } },
    }),
  });
  return {
    ...server,
    config,
    client: () => new TestClient(server.url),
    stop: async () => {
      await server.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests assert on response bodies field by field
type Body = any;

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

/** fetch with a cookie jar and the Origin header a browser would send. */
export class TestClient {
  cookie: string | undefined;
  token: string | undefined;
  origin: string | undefined;

  constructor(readonly baseUrl: string) {
    this.origin = baseUrl;
  }

  async request<T = Body>(
    method: string,
    path: string,
    body?: unknown,
    init: RequestInit = {},
  ): Promise<TestResponse<T>> {
    const headers = new Headers(init.headers);
    if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
    if (this.cookie) headers.set('cookie', this.cookie);
    if (this.token) headers.set('authorization', `Bearer ${this.token}`);
    if (this.origin && method !== 'GET' && !headers.has('origin')) headers.set('origin', this.origin);
    const response = await fetch(new URL(path, this.baseUrl), {
      ...init,
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('hangar_session='));
    if (setCookie) {
      const value = setCookie.split(';')[0]!;
      this.cookie = value === 'hangar_session=' ? undefined : value;
    }
    const text = await response.text();
    const parsed = response.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  get<T = Body>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = Body>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  patch<T = Body>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = Body>(path: string) {
    return this.request<T>('PUT', path);
  }
  delete<T = Body>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

export const ADMIN = { username: 'ada', password: 'correct horse battery' };

/** Runs first-run setup and returns a client logged in as the admin. */
export async function setupAdmin(server: TestServer): Promise<TestClient> {
  const client = server.client();
  const token = new URL(server.setupUrl!).searchParams.get('token')!;
  const res = await client.post('/api/auth/setup', { setupToken: token, ...ADMIN, displayName: 'Ada' });
  if (res.status !== 200) throw new Error(`setup failed: ${res.status} ${JSON.stringify(res.body)}`);
  return client;
}

/** Creates a member (as the admin) and returns a client logged in as them. */
export async function createMember(
  server: TestServer,
  admin: TestClient,
  username = 'bob',
): Promise<TestClient> {
  const password = 'member password 1';
  const created = await admin.post('/api/users', { username, password, role: 'member' });
  if (created.status !== 201)
    throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
  const client = server.client();
  const login = await client.post('/api/auth/login', { username, password });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  return client;
}
