import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import { TestClock } from '../../test/clock.js';
import { dialectCases, type TestDatabase } from '../../test/databases.js';
import { createMember, setupAdmin, startTestServer, TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace } from '../../test/workspaces.js';
import { verifyBody } from '../webhooks/signature.js';
import { createLeadership, LEADER_LEASE } from './leader.js';

/** Several replicas on one database (issue 19): who they are, one leader, one delivery per attempt. */

const postgres = (await dialectCases()).find((d) => d.dialect === 'postgres')!;

/** Host-driver workspaces: the replicas' singletons are under test, not the sandboxes. */
const TEAM_ENV = {
  HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
  HANGAR_DEFAULT_TEMPLATE: 'plain',
  HANGAR_HOST_DRIVER_MULTI_USER: 'true',
  HANGAR_IDLE_STOP_MINUTES: '30',
  HANGAR_LOG_LEVEL: 'info',
};

async function until<T>(get: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that answers 503 to its first request, then 204. */
async function startReceiver() {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString() });
      response.writeHead(received.length === 1 ? 503 : 204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A client of `server` with an API token (valid on every replica: tokens live in the database). */
function withToken(server: TestServer, token: string): TestClient {
  const client = server.client();
  client.token = token;
  client.origin = undefined;
  return client;
}

describe.skipIf(postgres.skipReason)('three replicas on one PostgreSQL database', () => {
  const keyDir = mkdtempSync(join(tmpdir(), 'hangar-key-'));
  const keyFile = join(keyDir, 'secret.key');
  const clock = new TestClock(Date.now());
  const logs = new Map<string, string[]>();
  let database: TestDatabase;
  let replicas: TestServer[] = [];
  let token: string;

  const start = (id: string, env: Record<string, string> = {}) => {
    const lines: string[] = [];
    logs.set(id, lines);
    return startTestServer({
      database,
      clock,
      agents: new Map(),
      logStream: (line) => lines.push(line),
      env: { ...TEAM_ENV, HANGAR_REPLICA_ID: id, HANGAR_SECRET_KEY_FILE: keyFile, ...env },
    });
  };
  const ready = (server: TestServer) => server.client().get('/api/ready');

  beforeAll(async () => {
    writeFileSync(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    database = await postgres.create();
    for (const id of ['r1', 'r2', 'r3']) replicas.push(await start(id));
    // Each replica made a setup link at its start; the last one made is the one that holds.
    const admin = await setupAdmin(replicas[2]!);
    token = (await admin.post('/api/tokens', { name: 'replicas test' })).body.secret as string;
  });
  afterAll(async () => {
    for (const replica of replicas) await replica.stop();
    await database?.drop();
    rmSync(keyDir, { recursive: true, force: true });
  });

  it('each replica says who it is in /api/ready and its logs; the first started leads', async () => {
    const answers = await Promise.all(replicas.map(ready));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body)).toEqual([
      { status: 'ready', replica: 'r1', database: 'postgres', leader: true },
      { status: 'ready', replica: 'r2', database: 'postgres', leader: false },
      { status: 'ready', replica: 'r3', database: 'postgres', leader: false },
    ]);
    for (const id of ['r1', 'r2', 'r3']) {
      const lines = logs.get(id)!.map((l) => JSON.parse(l) as { replica?: string });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => l.replica === id)).toBe(true);
    }
  });

  it('refuses a replica whose secret key differs from the one the database was set up with', async () => {
    const otherKey = join(keyDir, 'other.key');
    writeFileSync(otherKey, randomBytes(32).toString('base64'), { mode: 0o600 });
    await expect(start('r4', { HANGAR_SECRET_KEY_FILE: otherKey })).rejects.toThrow(
      /set up with another secret key.*HANGAR_SECRET_KEY_FILE/s,
    );
  });

  it("delivers a webhook whose replica stopped before its retry, once, through the other replicas' sweep", async () => {
    const [r1, r2, r3] = replicas as [TestServer, TestServer, TestServer];
    const receiver = await startReceiver();
    try {
      const { workspaceId, member } = await sharedWorkspace(r1, 'swept', 'cat');
      const hook = await withToken(r1, token).post('/api/webhooks', {
        url: receiver.url,
        events: ['chat.mention'],
        workspaceId,
      });
      expect(hook.status).toBe(201);
      await withToken(r3, token).post(`/api/workspaces/${workspaceId}/chat/messages`, {
        text: `for @${member}`,
      });
      const log = () =>
        withToken(r2, token)
          .get(`/api/webhooks/${hook.body.id}/deliveries`)
          .then((r) => r.body.deliveries as { status: string; attempts: number }[]);
      await until(log, (d) => d[0]?.attempts === 1);
      // r3 made the first attempt (503) and meant to retry; it stops before that, taking its timer.
      await r3.services.team.webhooks.close();
      clock.advance(2_000);
      const done = await until(log, (d) => d[0]?.status === 'succeeded');
      expect(done[0]).toMatchObject({ attempts: 2 });
      await Promise.all([r1, r2].map((r) => r.services.team.webhooks.settle()));
      expect(receiver.received).toHaveLength(2);
      expect(new Set(receiver.received.map((r) => r.headers['x-hangar-delivery'])).size).toBe(1);
    } finally {
      await receiver.close();
    }
  });

  it('delivers each attempt of a webhook once, though every replica resumes the pending deliveries', async () => {
    const [r1, r2, r3] = replicas as [TestServer, TestServer, TestServer];
    const receiver = await startReceiver();
    try {
      const { workspaceId, member } = await sharedWorkspace(r1, 'hooks', 'bob');
      // Created on r3 (its secret sealed with the shared key), triggered on r2, resumed by all.
      const hook = await withToken(r3, token).post('/api/webhooks', {
        url: receiver.url,
        events: ['chat.mention'],
        workspaceId,
      });
      expect(hook.status).toBe(201);
      const posted = await withToken(r2, token).post(`/api/workspaces/${workspaceId}/chat/messages`, {
        text: `over to you @${member}`,
      });
      expect(posted.status).toBe(201);
      const log = () =>
        withToken(r1, token)
          .get(`/api/webhooks/${hook.body.id}/deliveries`)
          .then((r) => r.body.deliveries as { status: string; attempts: number }[]);
      await until(log, (d) => d[0]?.attempts === 1);
      // The first attempt failed (503): the retry is due a second later. Then every replica
      // resumes it, as each does when it starts (a rolling restart).
      clock.advance(2_000);
      await Promise.all(replicas.map((r) => r.services.team.webhooks.resumePending()));
      const done = await until(log, (d) => d[0]?.status === 'succeeded');
      expect(done[0]).toMatchObject({ attempts: 2 });
      // Whatever a replica still had in flight ends here.
      await Promise.all(replicas.map((r) => r.services.team.webhooks.settle()));
      expect(receiver.received).toHaveLength(2);
      expect(new Set(receiver.received.map((r) => r.headers['x-hangar-delivery'])).size).toBe(1);
      for (const hit of receiver.received)
        expect(
          verifyBody(hook.body.secret as string, hit.body, hit.headers['x-hangar-signature-256'] as string),
        ).toBe(true);
    } finally {
      await receiver.close();
    }
  });

  it('stops an idle workspace once, on the leader, however many replicas reconcile', async () => {
    const client = withToken(replicas[0]!, token);
    const workspace = await createWorkspace(client, { name: 'idle' });
    expect(workspace.body.state).toBe('running');
    clock.advance(60 * 60_000);
    await Promise.all(replicas.map((r) => r.reconciler.runOnce()));
    expect((await client.get(`/api/workspaces/${workspace.body.id}`)).body.state).toBe('stopped');
    const stops = [...logs].flatMap(([id, lines]) =>
      lines
        .map((l) => JSON.parse(l) as { msg?: string; workspace?: string })
        .filter((l) => l.msg === 'stopped an idle workspace' && l.workspace === workspace.body.id)
        .map(() => id),
    );
    expect(stops).toEqual(['r1']);
  });

  it('hands the lead to another replica when the leader stops', async () => {
    const [leader, ...others] = replicas as [TestServer, TestServer, TestServer];
    await leader.stop();
    replicas = others;
    const answers = await until(
      () => Promise.all(others.map(ready)),
      (all) => all.some((a) => a.body.leader === true),
    );
    const leaders = answers.filter((a) => a.body.leader === true).map((a) => a.body.replica as string);
    expect(leaders).toHaveLength(1);
    expect(await others[0]!.services.cluster.leadership.holder()).toBe(leaders[0]);
  });
});

/** A workspace made on `server` by the admin of beforeAll, with a new member who can be mentioned. */
async function sharedWorkspace(server: TestServer, name: string, username: string) {
  const admin = server.client();
  const login = await admin.post('/api/auth/login', { username: 'ada', password: 'correct horse battery' });
  if (login.status !== 200) throw new Error(`login failed: ${login.status}`);
  const member = await createMember(server, admin, username);
  const memberId = (await member.get('/api/me')).body.user.id as string;
  const workspace = await createWorkspace(admin, { name });
  const workspaceId = workspace.body.id as string;
  const added = await admin.request('PUT', `/api/workspaces/${workspaceId}/members/${memberId}`, {
    role: 'editor',
  });
  if (added.status !== 200) throw new Error(`adding ${username} failed: ${added.status}`);
  return { workspaceId, member: username };
}

describe.skipIf(postgres.skipReason)('the leader lease', () => {
  let database: TestDatabase;
  let stores: Store[] = [];

  beforeAll(async () => {
    database = await postgres.create();
    const store = openStore(database.url);
    await store.migrate();
    stores.push(store);
  });
  afterAll(async () => {
    for (const store of stores) await store.close().catch(() => undefined);
    stores = [];
    await database?.drop();
  });

  it('is taken over once its holder stops renewing (lost its database, or died), and the old holder stands down', async () => {
    // The first holder has a connection pool of its own, which is then cut as by a crash.
    const pool = new pg.Pool({ connectionString: database.url, max: 2 });
    const lost = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    const first = createLeadership(lost, 'postgres', 'a', { leaseMs: 1_500 });
    const second = createLeadership(stores[0]!.db, 'postgres', 'b', { leaseMs: 1_500 });
    const changes: string[] = [];
    first.onChange((leader) => changes.push(`a:${leader}`));
    second.onChange((leader) => changes.push(`b:${leader}`));
    await first.start();
    await second.start();
    try {
      expect([first.isLeader(), second.isLeader()]).toEqual([true, false]);
      expect(await second.holder()).toBe('a');
      await lost.destroy(); // renewals fail from now on; the row stays until it expires
      await until(
        () => second.isLeader(),
        (leader) => leader,
      );
      expect(first.isLeader()).toBe(false);
      expect(await second.holder()).toBe('b');
      expect(changes).toEqual(['a:true', 'a:false', 'b:true']);
    } finally {
      await first.stop();
      await second.stop();
    }
    const row = await stores[0]!.db
      .selectFrom('cluster_leases')
      .selectAll()
      .where('name', '=', LEADER_LEASE)
      .executeTakeFirst();
    expect(row).toBeUndefined(); // given up on stop
  });
});

describe('SQLite', () => {
  it('refuses a second server on the same database, names the first, and lets one start after it stopped', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hangar-single-'));
    try {
      const first = await startTestServer({ dataDir, env: { HANGAR_REPLICA_ID: 'first' } });
      try {
        await expect(startTestServer({ dataDir, env: { HANGAR_REPLICA_ID: 'second' } })).rejects.toThrow(
          /hangar\.db is served by another Hangar server \(replica first, pid \d+.*SQLite serves one process only.*PostgreSQL/s,
        );
        expect((await first.client().get('/api/ready')).body).toMatchObject({
          replica: 'first',
          leader: true,
        });
      } finally {
        await first.stop();
      }
      // A lock left by a process that is gone (SIGKILL) blocks nothing.
      const gone = spawnSync('true').pid!;
      writeFileSync(
        join(dataDir, 'hangar.db.lock'),
        JSON.stringify({ replica: 'dead', pid: gone, started: '1', host: hostname(), since: 'then' }),
      );
      const again = await startTestServer({ dataDir, env: { HANGAR_REPLICA_ID: 'again' } });
      expect((await again.client().get('/api/ready')).body).toMatchObject({ replica: 'again' });
      await again.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
