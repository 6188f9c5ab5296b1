import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';
import { createWorkspace } from '../test/workspaces.js';

const TEMPLATES = JSON.stringify({ plain: { driver: 'host', network: 'full' } });

// The session API's checks that hold whatever agents are installed.
describe('agent sessions API', () => {
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        HANGAR_TEMPLATES: TEMPLATES,
        HANGAR_DEFAULT_TEMPLATE: 'plain',
        HANGAR_HOST_DRIVER_MULTI_USER: 'true',
      },
      agents: new Map(),
    });
    admin = await setupAdmin(server);
    workspaceId = (await createWorkspace(admin, { name: 'agents' })).body.id;
  });
  afterAll(() => server?.stop());

  it('lists the agents this server offers', async () => {
    expect((await admin.get('/api/agents')).body).toEqual({ agents: [] });
  });

  it('refuses an unknown agent with the choices named', async () => {
    const res = await admin.post('/api/sessions', { workspaceId, agent: 'nope', model: 'x', prompt: 'hi' });
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('unknown_agent');
  });

  it('refuses bad input and hides workspaces the caller is not a member of', async () => {
    expect(
      (await admin.post('/api/sessions', { workspaceId, agent: 'pi', permissionMode: 'yolo' })).body.error.id,
    ).toBe('validation_failed');
    const bob = await createMember(server, admin, 'bob');
    expect((await bob.post('/api/sessions', { workspaceId, agent: 'pi', model: 'x' })).status).toBe(404);
    expect((await bob.get(`/api/sessions?workspace=${workspaceId}`)).status).toBe(404);
  });

  it('answers unknown sessions with 404, also on the event stream', async () => {
    expect((await admin.get('/api/sessions/nosuchsession')).status).toBe(404);
    expect((await admin.get('/api/sessions/nosuchsession/events')).status).toBe(404);
    expect((await admin.post('/api/sessions/nosuchsession/messages', { text: 'hi' })).status).toBe(404);
  });
});
