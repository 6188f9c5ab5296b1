import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from './app.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../test/server.js';

/** Fills route parameters so that every route can be called. */
function concrete(url: string): string {
  return url.replace(/:[A-Za-z]+/g, 'abc123').replace(/\*$/, 'x');
}

describe('HTTP boundary', () => {
  let server: TestServer;
  let admin: TestClient;

  beforeAll(async () => {
    server = await startTestServer();
    admin = await setupAdmin(server);
  });
  afterAll(() => server?.stop());

  it('answers 401 with an error id on every non-public route without credentials', async () => {
    const routes = server.app.routeCatalog.filter((r) => r.url.startsWith('/api/') && r.access !== 'public');
    expect(routes.length).toBeGreaterThan(15);
    const anon = server.client();
    anon.origin = undefined;
    for (const route of routes) {
      const res = await anon.request(
        route.method,
        concrete(route.url),
        route.method === 'GET' || route.method === 'DELETE' ? undefined : {},
      );
      expect(res.status, `${route.method} ${route.url}`).toBe(401);
      expect(res.body.error.id, `${route.method} ${route.url}`).toBe('unauthenticated');
    }
  });

  it('lists only health, readiness, docs and the sign-in flow as public', () => {
    const open = server.app.routeCatalog.filter(
      (r) => r.access === 'public' && !r.url.startsWith('/api/docs'),
    );
    expect(open.map((r) => `${r.method} ${r.url}`).sort()).toEqual(
      [
        'GET /api/auth/status',
        'GET /api/health',
        'GET /api/invitations/preview',
        'GET /api/openapi.json',
        'GET /api/ready',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'POST /api/auth/setup',
        'POST /api/invitations/accept',
        // Authenticated by the workspace token (code in the sandbox), not a user: see routes/chat.ts.
        'POST /api/workspaces/:id/chat/bot-messages',
      ].sort(),
    );
  });

  it('refuses a cross-origin POST that carries a valid cookie', async () => {
    const res = await admin.request(
      'POST',
      '/api/tokens',
      { name: 'evil' },
      { headers: { origin: 'https://evil.example' } },
    );
    expect(res.status).toBe(403);
    expect(res.body.error.id).toBe('cross_origin_rejected');
    const missing = server.client();
    missing.cookie = admin.cookie;
    missing.origin = undefined;
    const noOrigin = await missing.post('/api/tokens', { name: 'no origin' });
    expect(noOrigin.status).toBe(403);
    expect((await admin.get('/api/tokens')).body.tokens).toEqual([]);
  });

  it('refuses a cross-origin login attempt (login CSRF)', async () => {
    const res = await server
      .client()
      .request(
        'POST',
        '/api/auth/login',
        { username: 'ada', password: 'x' },
        { headers: { origin: 'http://evil.example' } },
      );
    expect(res.status).toBe(403);
  });

  it('answers malformed JSON with 400 invalid_json', async () => {
    const res = await admin.request('POST', '/api/tokens', '{"name": ');
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('invalid_json');
  });

  it('answers wrong types with 400 validation_failed naming the field', async () => {
    const res = await admin.post('/api/tokens', { name: 42 });
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('validation_failed');
    expect(res.body.error.message).toContain('name');
  });

  it('answers unknown fields with 400', async () => {
    const res = await admin.post('/api/tokens', { name: 'ok', admin: true });
    expect(res.status).toBe(400);
    expect(res.body.error.id).toBe('validation_failed');
  });

  it('answers an oversize body with 413', async () => {
    const res = await admin.post('/api/tokens', { name: 'x'.repeat(BODY_LIMIT_BYTES + 10) });
    expect(res.status).toBe(413);
    expect(res.body.error.id).toBe('payload_too_large');
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await admin.request('POST', '/api/tokens', 'name=x', {
      headers: { 'content-type': 'text/csv' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.id).toBe('unsupported_media_type');
  });

  it('answers a bad path parameter and a bad query with 400', async () => {
    expect((await admin.delete('/api/tokens/not%20an%20id')).status).toBe(400);
    expect((await admin.get('/api/login-attempts?limit=-5')).body.error.id).toBe('validation_failed');
  });

  it('answers a URL with a broken %-escape with 400 bad_url, and an over-long parameter with 414', async () => {
    const broken = await admin.get('/api/workspaces/%E0%A4%A');
    expect(broken.status).toBe(400);
    expect(broken.body.error.id).toBe('bad_url');
    const long = await admin.get(`/api/workspaces/${'a'.repeat(300)}`);
    expect(long.status).toBe(414);
    expect(long.body.error.id).toBe('param_too_long');
  });

  it('answers unknown /api paths with a JSON 404', async () => {
    const res = await admin.get('/api/no/such/thing');
    expect(res.status).toBe(404);
    expect(res.body.error.id).toBe('route_not_found');
  });

  it('serves an OpenAPI 3 document covering the routes, and a docs page', async () => {
    const doc = await server.client().get('/api/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining(['/api/auth/login', '/api/tokens', '/api/users/{id}']),
    );
    expect(
      doc.body.paths['/api/tokens'].post.requestBody.content['application/json'].schema.required,
    ).toContain('name');
    const page = await fetch(`${server.url}/api/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });

  it('reports liveness and readiness', async () => {
    expect((await server.client().get('/api/health')).body).toEqual({ status: 'ok' });
    expect((await server.client().get('/api/ready')).body).toEqual({
      status: 'ready',
      replica: server.config.replicaId,
      database: 'sqlite',
      leader: true,
    });
  });

  it('answers probes without looking at credentials, where other public routes check them', async () => {
    const bogus = { authorization: 'Bearer hgr_not_a_token' };
    for (const path of ['/api/health', '/api/ready'])
      expect((await fetch(`${server.url}${path}`, { headers: bogus })).status, path).toBe(200);
    const status = await fetch(`${server.url}/api/auth/status`, { headers: bogus });
    expect(status.status).toBe(401);
  });
});

describe('HANGAR_AUTH=none', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ auth: 'none' });
  });
  afterAll(() => server?.stop());

  it('acts as the built-in local admin without credentials', async () => {
    const res = await server.client().get('/api/me');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ authMode: 'none', user: { username: 'local', role: 'admin' } });
    expect((await server.client().get('/api/auth/status')).body.setupRequired).toBe(false);
    expect(server.setupUrl).toBeUndefined();
  });

  it('still refuses cross-origin writes and foreign Host names (DNS rebinding)', async () => {
    const client = server.client();
    const cross = await client.request(
      'POST',
      '/api/tokens',
      { name: 'x' },
      { headers: { origin: 'http://evil.example' } },
    );
    expect(cross.status).toBe(403);
    const port = new URL(server.url).port;
    const rebound = await new Promise<number>((resolve, reject) => {
      // fetch() cannot set Host, so use http.request.
      import('node:http').then(({ request }) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/api/me', headers: { host: `evil.example:${port}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      }, reject);
    });
    expect(rebound).toBe(403);
  });

  it('has nothing to log in to', async () => {
    const res = await server.client().post('/api/auth/login', { username: 'local', password: 'x' });
    expect(res.body.error.id).toBe('auth_disabled');
  });
});
