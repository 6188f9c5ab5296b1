import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { createWorkspace } from '../workspaces.js';
import { bwrapMissing } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

const MiB = 1024 ** 2;
/** What the workspace writes: enough to load the disk for seconds, far below the machine's free space. */
const FILL_MIB = 192;

/**
 * A workspace that writes as fast as it can (the escape suite's disk
 * attempt, through a real server): the server keeps answering /api/health
 * quickly while it does, and reports what the workspace holds (diskBytes,
 * and the total over the list).
 */
describe.skipIf(bwrapMissing)('a workspace filling the disk', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-disk-fill-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 900) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'filler' });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id;
  }, 60_000);

  afterAll(async () => {
    if (workspaceId) await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'filler' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the server answering while a workspace writes, then reports the bytes', async () => {
    const writing = admin.post(`/api/workspaces/${workspaceId}/exec`, {
      command: [
        '/bin/sh',
        '-c',
        `i=0; while [ $i -lt ${FILL_MIB} ]; do head -c ${MiB} /dev/urandom >/workspace/fill-$i || exit 1; i=$((i+1)); done; sync; echo wrote`,
      ],
      timeoutMs: 120_000,
    });
    let done = false;
    void writing.finally(() => (done = true));
    const health: number[] = [];
    while (!done) {
      const started = performance.now();
      const res = await server.client().get('/api/health');
      expect(res.status).toBe(200);
      health.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const result = await writing;
    expect(result.status).toBe(200);
    expect(result.body.stdout).toBe('wrote\n');
    health.sort((a, b) => a - b);
    console.log(
      `disk fill: ${FILL_MIB} MiB written; /api/health answered ${health.length} times, slowest ${Math.round(health.at(-1) ?? 0)} ms`,
    );
    expect(health.length).toBeGreaterThan(0);
    expect(health.at(-1)).toBeLessThan(2000);

    await server.reconciler.runOnce();
    const ws = await admin.get(`/api/workspaces/${workspaceId}`);
    expect(ws.body.diskBytes).toBeGreaterThanOrEqual(FILL_MIB * MiB);
    const list = await admin.get('/api/workspaces');
    expect(list.body.totalDiskBytes).toBeGreaterThanOrEqual(FILL_MIB * MiB);
    expect(
      (await admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['echo', 'alive'] })).body.stdout,
    ).toBe('alive\n');
  }, 180_000);
});
