import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_LIMITS } from '../../config/index.js';
import { detectCgroupControllers } from '../../sandbox/bubblewrap/cgroup.js';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { createWorkspace, shellIn } from '../workspaces.js';
import { bwrapMissing, notRoot } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

/** The sandbox's cgroups are children of the server's, named after the workspace (see bubblewrap-driver.ts). */
const controllers = detectCgroupControllers();

/**
 * A workspace of the built-in `default` template, made with no template
 * configured, runs under the built-in limits: rlimits in every process,
 * and memory and CPU caps in its cgroups where the driver enforces them.
 */
describe.skipIf(bwrapMissing)(
  `limits of the built-in default template${bwrapMissing ? ` (skipped: ${bwrapMissing})` : ''}`,
  () => {
    const env = {
      HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 900) * 100),
      HANGAR_SANDBOX_UID_COUNT: '100',
    };
    let server: TestServer;
    let admin: TestClient;
    let workspaceId: string;

    beforeAll(async () => {
      server = await startTestServer({ env });
      admin = await setupAdmin(server);
      const ws = await createWorkspace(admin, { name: 'limited' });
      expect(ws.body.template).toBe('default');
      expect(ws.body.state, ws.body.error).toBe('running');
      workspaceId = ws.body.id;
    }, 60_000);

    afterAll(async () => {
      if (workspaceId)
        await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'limited' });
      await server?.services.workspaces.settle();
      await server?.stop();
    });

    it('runs every command under the process, open-file and file-size limits', async () => {
      const { stdout } = await shellIn(admin, workspaceId, 'cat /proc/self/limits');
      const soft = (name: string) => new RegExp(`^${name}\\s+(\\S+)`, 'm').exec(stdout)?.[1];
      expect(soft('Max processes')).toBe(String(BUILTIN_LIMITS.processes));
      expect(soft('Max open files')).toBe(String(BUILTIN_LIMITS.openFiles));
      expect(soft('Max file size')).toBe(String(BUILTIN_LIMITS.fileSizeBytes));
    });

    it('puts the sandbox in cgroups capped at 4 GiB of memory and 1.5 CPUs', async (ctx) => {
      if (notRoot) ctx.skip('cgroups are used only when the server runs as root');
      if (!controllers.memory || !controllers.cpu)
        ctx.skip('no cgroup v1 memory and cpu controllers are mounted here (limits are then not enforced)');
      const memory = join(controllers.memory!, `hangar-${workspaceId}`);
      const cpu = join(controllers.cpu!, `hangar-${workspaceId}`);
      expect(Number(await readFile(join(memory, 'memory.limit_in_bytes'), 'utf8'))).toBe(4 * 1024 ** 3);
      const quota = Number(await readFile(join(cpu, 'cpu.cfs_quota_us'), 'utf8'));
      const period = Number(await readFile(join(cpu, 'cpu.cfs_period_us'), 'utf8'));
      expect(quota / period).toBe(1.5);
      // The workspace's commands run inside them: "/" is the root of the sandbox's own cgroup namespace.
      const inside = await shellIn(admin, workspaceId, 'grep -E ":(memory|cpu):" /proc/self/cgroup');
      expect(inside.stdout).toMatch(/:memory:\/$/m);
      expect(inside.stdout).toMatch(/:cpu:\/$/m);
      // And the sandbox's long-lived processes (its init) are held by the memory cap.
      expect((await readFile(join(memory, 'cgroup.procs'), 'utf8')).trim()).not.toBe('');
    });
  },
);
