import { join } from 'node:path';
import type { Config } from '../config/index.js';
import type { SandboxDriver } from './driver.js';
import { HostDriver } from './host/host-driver.js';

/**
 * The drivers this server offers, by name. The only place that knows the
 * concrete driver classes; everything else sees the SandboxDriver interface.
 */
export function createSandboxDrivers(
  config: Pick<Config, 'dataDir' | 'templates'>,
): Map<string, SandboxDriver> {
  const stateRoot = (driver: string) => join(config.dataDir, 'sandbox-state', driver);
  void stateRoot;
  const drivers = new Map<string, SandboxDriver>();
  // The host driver isolates nothing: it exists only when a template asks for it.
  if (Object.values(config.templates).some((t) => t.driver === 'host')) drivers.set('host', new HostDriver());
  return drivers;
}
