import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUrl } from '../files.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { createWorkspace, shellIn } from '../workspaces.js';
import { bwrapMissing } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

const MiB = 1024 ** 2;

/**
 * A workspace past its template's disk cap (1 MiB here): the reconciler's
 * measurement stops it with the reason shown and its owner notified, it
 * cannot start while over (measured afresh at the start, not trusted from
 * the last pass), and files deleted through the files API (which works on a
 * stopped workspace) let it start again.
 */
describe.skipIf(bwrapMissing)(
  `a workspace over its disk cap${bwrapMissing ? ` (skipped: ${bwrapMissing})` : ''}`,
  () => {
    const env = {
      HANGAR_TEMPLATES: JSON.stringify({
        tiny: { driver: 'bubblewrap', network: 'none', limits: { diskBytes: MiB } },
      }),
      HANGAR_DEFAULT_TEMPLATE: 'tiny',
    };
    let server: TestServer;
    let admin: TestClient;
    let workspaceId: string;

    beforeAll(async () => {
      server = await startTestServer({ env });
      admin = await setupAdmin(server);
      const ws = await createWorkspace(admin, { name: 'hoarder' });
      expect(ws.body.state, ws.body.error).toBe('running');
      workspaceId = ws.body.id;
    }, 60_000);

    afterAll(async () => {
      if (workspaceId)
        await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'hoarder' });
      await server?.services.workspaces.settle();
      await server?.stop();
    });

    it('is stopped by the reconciler with the reason, refused a start until files are deleted', async () => {
      await server.reconciler.runOnce();
      expect((await admin.get(`/api/workspaces/${workspaceId}`)).body.state).toBe('running');

      await shellIn(admin, workspaceId, `head -c ${2 * MiB} /dev/zero >/workspace/big`);
      await server.reconciler.runOnce();
      const stopped = await admin.get(`/api/workspaces/${workspaceId}`);
      expect(stopped.body.state).toBe('stopped');
      expect(stopped.body.error).toMatch(/^stopped: over its disk cap of 1 MiB \(uses 2(\.\d)? MiB\)$/);
      expect(stopped.body.diskBytes).toBeGreaterThanOrEqual(2 * MiB);
      const notes = await admin.get('/api/notifications');
      expect(notes.body.notifications).toContainEqual(
        expect.objectContaining({
          kind: 'workspace',
          workspaceId,
          body: expect.stringContaining('over its disk cap of 1 MiB'),
        }),
      );

      const refused = await admin.post(`/api/workspaces/${workspaceId}/start`);
      expect(refused.status).toBe(409);
      expect(refused.body.error.id).toBe('workspace_over_disk_cap');
      expect(refused.body.error.message).toMatch(/delete files.*Files tab.*raise/i);

      const removed = await admin.request('DELETE', filesUrl(workspaceId, '', { path: 'big' }));
      expect(removed.status).toBe(200);
      // No reconciler pass in between: the start measures again instead of trusting the last pass.
      const started = await admin.post(`/api/workspaces/${workspaceId}/start`);
      expect(started.status, JSON.stringify(started.body)).toBe(200);
      expect(started.body).toMatchObject({ state: 'running', error: null });
      expect(started.body.diskBytes).toBeLessThan(MiB);
      expect((await shellIn(admin, workspaceId, 'echo alive')).stdout).toBe('alive\n');
    }, 120_000);
  },
);
