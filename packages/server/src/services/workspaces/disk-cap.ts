import type { Config } from '../../config/index.js';
import { errors } from '../../errors.js';
import { diskUsage } from '../../sandbox/disk.js';
import { iso, type Clock } from '../../common/clock.js';
import { workspacePaths } from './lifecycle.js';
import type { WorkspaceRepository, WorkspaceRow } from './repository.js';

/**
 * The disk cap of a workspace (its template's `limits.diskBytes`): a soft cap,
 * checked against a measurement of its files and home (`du`), by the
 * reconciler about once a minute while it runs and right before every start.
 * No driver here enforces it as the files are written (see README, Security
 * model): between two measurements a workspace can go past it.
 */
export class WorkspaceDiskCap {
  constructor(
    private readonly config: Pick<Config, 'dataDir' | 'templates'>,
    private readonly repo: WorkspaceRepository,
    private readonly clock: Clock,
  ) {}

  /** The cap in bytes, or undefined for none (no `diskBytes`, 0, or a template no longer configured). */
  capOf(row: Pick<WorkspaceRow, 'template'>): number | undefined {
    const cap = this.config.templates[row.template]?.limits.diskBytes;
    return cap ? cap : undefined;
  }

  /** Measures the workspace now and records it (shown as `diskBytes`). */
  async measure(row: Pick<WorkspaceRow, 'id'>): Promise<number> {
    const paths = workspacePaths(this.config.dataDir, row.id);
    const bytes = await diskUsage([paths.work, paths.home]);
    await this.repo.update(row.id, { disk_bytes: bytes, disk_measured_at: iso(this.clock.now()) });
    return bytes;
  }

  /** Why the workspace must not run, when `bytes` is past its cap. */
  overReason(row: Pick<WorkspaceRow, 'template'>, bytes: number): string | undefined {
    const cap = this.capOf(row);
    if (cap === undefined || bytes <= cap) return undefined;
    return `stopped: over its disk cap of ${formatBytes(cap)} (uses ${formatBytes(bytes)})`;
  }

  /** Before a start: measures afresh (not the last measurement) and refuses with 409 when over. */
  async assertUnder(row: Pick<WorkspaceRow, 'id' | 'name' | 'template'>): Promise<void> {
    const cap = this.capOf(row);
    if (cap === undefined) return;
    const bytes = await this.measure(row);
    if (bytes > cap) throw errors.workspaceOverDiskCap(row.name, formatBytes(cap), formatBytes(bytes));
  }
}

/** Bytes for people, in binary units: `512 B`, `1.5 MiB`, `20 GiB`. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || Number.isInteger(value) ? String(value) : value.toFixed(1);
  return `${shown} ${units[unit]}`;
}
