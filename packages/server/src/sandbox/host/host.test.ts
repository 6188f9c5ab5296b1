import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runSandboxContract } from '../../test/sandbox/contract.js';
import type { SandboxSpec } from '../driver.js';
import { HostDriver } from './host-driver.js';

/**
 * The shared contract suite on the host driver: what it claims (commands with
 * pipes and a terminal, stop and timeout, files kept across stop and start,
 * network `full`) runs; every capability it does not claim (isolation, and with
 * it the escape attempts; the other network policies; limits; restart survival)
 * is not run, and the suite prints the driver's written reason for each.
 */
runSandboxContract({
  name: 'host',
  capabilities: new HostDriver().capabilities,
  async createDriver() {
    const dataDir = await mkdtemp(join(tmpdir(), 'hangar-host-'));
    const tag = Math.random().toString(36).slice(2, 8);
    let count = 0;
    return {
      driver: new HostDriver(),
      dataDir,
      makeSpec: (overrides = {}) => {
        const id = `host${count++}-${tag}`;
        const spec: SandboxSpec = {
          id,
          workDir: join(dataDir, 'workspaces', id, 'work'),
          homeDir: join(dataDir, 'workspaces', id, 'home'),
          stateDir: join(dataDir, 'sandbox-state', 'host', id),
          // The host driver runs as the server's own user whatever the spec says.
          uid: 61_900,
          gid: 61_900,
          env: { LANG: 'C.UTF-8' },
          network: 'full',
          limits: {},
          ...overrides,
        };
        return spec;
      },
      cleanup: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
});
