import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { Config } from '../config/index.js';
import { BubblewrapDriver } from './bubblewrap/index.js';
import type { SandboxDriver } from './driver.js';
import { HostDriver } from './host/host-driver.js';
import { PodmanDriver } from './podman/podman-driver.js';

/**
 * The drivers this server offers, by name. The only place that knows the
 * concrete driver classes; everything else sees the SandboxDriver interface.
 */
export function createSandboxDrivers(
  config: Pick<Config, 'dataDir' | 'templates'>,
): Map<string, SandboxDriver> {
  const drivers = new Map<string, SandboxDriver>();
  drivers.set(
    'bubblewrap',
    new BubblewrapDriver({ stateRoot: join(config.dataDir, 'sandbox-state', 'bubblewrap') }),
  );
  // Containers carry this server's instance label, so reconciliation never touches another server's.
  const instance = createHash('sha256').update(resolve(config.dataDir)).digest('hex').slice(0, 12);
  drivers.set('podman', new PodmanDriver({ instance }));
  // The host driver isolates nothing: it exists only when a template asks for it.
  if (Object.values(config.templates).some((t) => t.driver === 'host')) drivers.set('host', new HostDriver());
  return drivers;
}
