import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClock } from '../clock.js';
import { createMember, setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { settled } from '../workspaces.js';

/** Host-driver workspaces: no sandbox is needed to count them, so this suite runs everywhere. */
const hostTemplates = {
  HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
  HANGAR_DEFAULT_TEMPLATE: 'plain',
  HANGAR_HOST_DRIVER_MULTI_USER: 'true',
  HANGAR_SANDBOX_UID_BASE: String(1_700_000 + Math.floor(Math.random() * 900) * 100),
  HANGAR_SANDBOX_UID_COUNT: '100',
};

async function create(client: TestClient, name: string) {
  const res = await client.post('/api/workspaces', { name });
  if (res.status === 201) await settled(client, res.body.id);
  return res;
}

/**
 * A member cannot fill the host with workspaces: at most
 * HANGAR_WORKSPACES_PER_USER not archived, created no faster than
 * HANGAR_WORKSPACE_CREATIONS_PER_MINUTE.
 */
describe('workspaces per user', () => {
  let server: TestServer;
  let admin: TestClient;
  let bob: TestClient;

  beforeAll(async () => {
    server = await startTestServer({
      env: { ...hostTemplates, HANGAR_WORKSPACES_PER_USER: '2', HANGAR_WORKSPACE_CREATIONS_PER_MINUTE: '0' },
    });
    admin = await setupAdmin(server);
    bob = await createMember(server, admin, 'bob');
  }, 30_000);

  afterAll(async () => {
    await server?.services.workspaces.settle();
    await server?.stop();
  });

  it('refuses a workspace past the cap with 409 workspace_limit; archiving one makes room', async () => {
    const first = await create(bob, 'bob-1');
    expect(first.status).toBe(201);
    expect((await create(bob, 'bob-2')).status).toBe(201);

    const refused = await create(bob, 'bob-3');
    expect(refused.status).toBe(409);
    expect(refused.body.error.id).toBe('workspace_limit');
    expect(refused.body.error.message).toContain('archive or delete one first');
    // Someone else's cap is their own.
    expect((await create(admin, 'ada-1')).status).toBe(201);

    expect((await bob.post(`/api/workspaces/${first.body.id}/archive`)).status).toBe(200);
    expect((await create(bob, 'bob-3')).status).toBe(201);
    // Restoring the archived one would make three.
    const restore = await bob.post(`/api/workspaces/${first.body.id}/restore`);
    expect(restore.status).toBe(409);
    expect(restore.body.error.id).toBe('workspace_limit');
  });

  it('refuses a burst of concurrent creations past the cap', async () => {
    const cat = await createMember(server, admin, 'cat');
    const burst = await Promise.all(
      Array.from({ length: 6 }, (_, i) => cat.post('/api/workspaces', { name: `cat-${i}` })),
    );
    const statuses = burst.map((res) => res.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    for (const res of burst) if (res.status === 201) await settled(cat, res.body.id);
  });
});

describe('workspace creation pace', () => {
  const clock = new TestClock(Date.now());
  let server: TestServer;
  let bob: TestClient;

  beforeAll(async () => {
    server = await startTestServer({
      clock,
      env: { ...hostTemplates, HANGAR_WORKSPACES_PER_USER: '0', HANGAR_WORKSPACE_CREATIONS_PER_MINUTE: '3' },
    });
    const admin = await setupAdmin(server);
    bob = await createMember(server, admin, 'bob');
  }, 30_000);

  afterAll(async () => {
    await server?.services.workspaces.settle();
    await server?.stop();
  });

  it('refuses a fourth creation within a minute with 429 and Retry-After, even after deletions', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await create(bob, `pace-${i}`);
      expect(res.status).toBe(201);
      // Deleting does not give the creation back.
      expect(
        (await bob.request('DELETE', `/api/workspaces/${res.body.id}`, { confirm: `pace-${i}` })).status,
      ).toBeLessThan(300);
      await settled(bob, res.body.id);
    }
    clock.advance(30_000);
    const refused = await create(bob, 'pace-3');
    expect(refused.status).toBe(429);
    expect(refused.body.error.id).toBe('workspace_creation_throttled');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);

    clock.advance(31_000);
    expect((await create(bob, 'pace-3')).status).toBe(201);
  });
});
