import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../test/server.js';

/** The headers every response carries, HTML and API alike. */
function expectSecurityHeaders(headers: Headers, what: string) {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).toContain("script-src 'self'");
  expect(csp, what).toContain("default-src 'self'");
  expect(csp, what).toContain("object-src 'none'");
  expect(csp, what).not.toMatch(/script-src[^;]*'unsafe-(inline|eval)'/);
  expect(headers.get('x-frame-options'), what).toBe('DENY');
  expect(headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(headers.get('referrer-policy'), what).toBe('same-origin');
  // HSTS is for whoever terminates TLS in front of Hangar.
  expect(headers.get('strict-transport-security'), what).toBeNull();
}

describe('security headers', () => {
  let server: TestServer;
  const webDir = mkdtempSync(join(tmpdir(), 'hangar-web-'));

  beforeAll(async () => {
    mkdirSync(join(webDir, 'assets'));
    writeFileSync(
      join(webDir, 'index.html'),
      '<!doctype html><script type="module" src="/assets/a.js"></script>',
    );
    writeFileSync(join(webDir, 'assets', 'a.js'), 'console.log(1)');
    server = await startTestServer({ env: { HANGAR_WEB_DIR: webDir } });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(webDir, { recursive: true, force: true });
  });

  it('on the web app: its page, a client route, an asset and a missing file', async () => {
    for (const path of ['/', '/workspaces/abc', '/assets/a.js', '/assets/gone.js']) {
      const res = await fetch(new URL(path, server.url));
      await res.arrayBuffer();
      expectSecurityHeaders(res.headers, path);
    }
  });

  it('on API answers and errors', async () => {
    const client = server.client();
    for (const res of [
      await client.get('/api/health'),
      await client.get('/api/auth/status'),
      await client.get('/api/me'),
      await client.get('/api/no-such-route'),
    ])
      expectSecurityHeaders(res.headers, String(res.status));
  });
});
