import type { Config } from '../../config/index.js';
import type { SandboxDriver, SandboxLimits } from '../../sandbox/driver.js';

const SANDBOX_LIMITS = [
  'processes',
  'openFiles',
  'fileSizeBytes',
  'memoryBytes',
  'cpus',
] as const satisfies readonly (keyof SandboxLimits)[];

/**
 * One line per template whose driver leaves some of its limits unenforced on
 * this host (bubblewrap's memory and CPU without usable cgroups, say), for
 * the server's start message. `diskBytes` is the server's own (see
 * disk-cap.ts) and always applies.
 */
export function unenforcedLimits(
  templates: Config['templates'],
  drivers: ReadonlyMap<string, SandboxDriver>,
): string[] {
  const lines: string[] = [];
  for (const [name, template] of Object.entries(templates).sort(([a], [b]) => a.localeCompare(b))) {
    const driver = drivers.get(template.driver);
    if (!driver) continue;
    const set = SANDBOX_LIMITS.filter((key) => template.limits[key] !== undefined);
    const missing = set.filter((key) => !driver.capabilities.enforcedLimits.includes(key));
    if (missing.length === 0) continue;
    const why = driver.capabilities.unenforcedLimitsReason;
    lines.push(
      `template "${name}": the ${driver.name} driver does not enforce ${missing.join(', ')} on this host${why ? ` (${why})` : ''}`,
    );
  }
  return lines;
}
