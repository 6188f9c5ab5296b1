import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestServer } from '../../test/server.js';

// The New workspace dialog offers "Local repository" only when the server says it can take one.
describe('GET /api/templates', () => {
  const servers: TestServer[] = [];
  const root = mkdtempSync(join(tmpdir(), 'hangar-templates-'));
  afterAll(async () => {
    for (const server of servers) await server.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('says whether local repositories can be used (roots configured)', async () => {
    for (const [env, expected] of [
      [{}, false],
      [{ HANGAR_LOCAL_REPO_ROOTS: root }, true],
    ] as const) {
      const server = await startTestServer({ env });
      servers.push(server);
      const admin = await setupAdmin(server);
      const res = await admin.get('/api/templates');
      expect(res.status).toBe(200);
      expect(res.body.localRepositories).toBe(expected);
    }
  });
});
