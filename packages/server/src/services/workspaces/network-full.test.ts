import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bwrapMissing } from '../../test/requirements.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../../test/server.js';
import { createWorkspace, shellIn } from '../../test/workspaces.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

const TEMPLATES = JSON.stringify({ online: { driver: 'bubblewrap', network: 'full' } });

// A real server and a real bubblewrap sandbox with network `full`: Hangar through the bridge, not the host's loopback.
describe.skipIf(bwrapMissing)('a workspace with network full', () => {
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;
  const run = (script: string) => shellIn(admin, workspaceId, script, { shell: '/bin/bash' });

  beforeAll(async () => {
    server = await startTestServer({
      env: {
        HANGAR_TEMPLATES: TEMPLATES,
        HANGAR_SANDBOX_UID_BASE: String(2_400_000 + Math.floor(Math.random() * 900) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
      },
      agents: new Map(),
    });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'online', template: 'online' });
    expect(ws.body.state, JSON.stringify(ws.body)).toBe('running');
    workspaceId = ws.body.id;
  });
  afterAll(async () => {
    if (workspaceId) await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'online' });
    await server?.services.workspaces.settle();
    await server?.stop();
  });

  it('reaches Hangar at HANGAR_URL through the bridge, with its workspace token', async () => {
    const result = await run(
      'echo "$HANGAR_URL"; curl -sS -m 5 -o /dev/null -w "%{http_code}\\n" "$HANGAR_URL/api/health"',
    );
    expect(result.stdout).toBe('http://127.0.0.1:7700\n200\n');
    const models = await run(
      'curl -sS -m 5 -o /dev/null -w "%{http_code}" -H "x-api-key: $ANTHROPIC_API_KEY" "$ANTHROPIC_BASE_URL/v1/models"',
    );
    // Past the token check (a forged token gets 401, below): no Anthropic key is configured here, hence 503.
    expect(models.stdout).toBe('503');
    const forged = await run(
      'curl -sS -m 5 -o /dev/null -w "%{http_code}" -H "x-api-key: forged" "$ANTHROPIC_BASE_URL/v1/models"',
    );
    expect(forged.stdout).toBe('401');
  });

  it("cannot reach the server's own port on the host's loopback", async () => {
    const port = new URL(server.url).port;
    const result = await run(
      `for a in 127.0.0.1 10.0.2.2; do timeout 3 bash -c "exec 3<>/dev/tcp/$a/${port}" 2>/dev/null && echo "connected $a"; done; echo probed`,
    );
    expect(result.stdout).toBe('probed\n');
  });
});
