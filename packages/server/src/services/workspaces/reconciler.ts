import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../../config/index.js';
import type { SandboxDriver } from '../../sandbox/driver.js';
import { iso, type Clock } from '../../common/clock.js';
import type { NotificationService } from '../notifications/notification-service.js';
import { workspacePaths } from './lifecycle.js';
import { sourceOf, type WorkspaceRow } from './repository.js';
import { removeWorktree } from './sources.js';
import type { WorkspaceService } from './workspace-service.js';

/** How old a measurement of a workspace that is not running may be; running ones are measured every pass. */
const DISK_EVERY_MS = 5 * 60_000;

/**
 * Makes the sandboxes on this host agree with the database: at boot (after a
 * crash, say) and then periodically. Also stops idle workspaces, expires
 * archived worktrees, measures disk use and stops workspaces over their disk
 * cap (see disk-cap.ts), telling their owners. Among replicas on one database, on the leader only.
 */
export class WorkspaceReconciler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly workspaces: WorkspaceService,
    private readonly drivers: ReadonlyMap<string, SandboxDriver>,
    private readonly config: Pick<Config, 'dataDir' | 'idleStopMinutes' | 'archiveExpiryDays'>,
    private readonly clock: Clock,
    private readonly log: Pick<FastifyBaseLogger, 'info' | 'warn' | 'error'>,
    private readonly notifications?: Pick<NotificationService, 'notify'>,
    /**
     * Whether this replica leads (services/cluster/leader.ts): among replicas sharing a database,
     * only the leader reconciles, stops idle workspaces and expires archives. Always on SQLite.
     */
    private readonly isLeader: () => boolean = () => true,
  ) {}

  /** Runs once now, then every `intervalMs`. */
  start(intervalMs = 60_000): Promise<void> {
    const first = this.runOnce();
    this.timer = setInterval(() => void this.runOnce(), intervalMs);
    this.timer.unref();
    return first;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; passes never overlap. */
  runOnce(): Promise<void> {
    this.running ??= this.pass()
      .catch((error: unknown) => this.log.error({ err: error }, 'workspace reconciliation failed'))
      .finally(() => (this.running = undefined));
    return this.running;
  }

  /** Each step only while this replica leads (a leader that lost its lease stops between steps). */
  private async pass(): Promise<void> {
    for (const step of [
      () => this.reconcileSandboxes(),
      () => this.stopIdle(),
      () => this.expireArchived(),
      () => this.measureDisk(),
    ]) {
      if (!this.isLeader()) return;
      await step();
    }
  }

  private async reconcileSandboxes(): Promise<void> {
    const { repo, lifecycle } = this.workspaces;
    const rows = await repo.listByState(['creating', 'running', 'stopped', 'archived', 'error', 'deleting']);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const row of rows) {
      if (row.state === 'deleting') this.workspaces.background(row.id, () => this.workspaces.destroy(row.id));
      else if (row.state === 'creating')
        this.workspaces.background(row.id, () => this.workspaces.provision(row.id));
      else if (row.state === 'running' && !(await lifecycle.isRunning(row).catch(() => false))) {
        // The sandbox died with the server (or the host rebooted): bring it back as it was, if under its cap.
        const over = this.workspaces.disk.capOf(row)
          ? this.workspaces.disk.overReason(row, await this.workspaces.disk.measure(row))
          : undefined;
        if (over) {
          await repo.update(row.id, { state: 'stopped', error: over, updated_at: iso(this.clock.now()) });
          await this.tellOwners(row, over);
          continue;
        }
        try {
          await lifecycle.start(row);
          this.log.info({ workspace: row.id }, 'restarted a workspace sandbox that was not running');
        } catch (error) {
          await repo.update(row.id, { state: 'stopped', updated_at: iso(this.clock.now()) });
          this.log.warn({ workspace: row.id, err: error }, 'could not restart a workspace; marked stopped');
        }
      } else if (row.state === 'running') {
        await lifecycle.reattach(row); // the sandbox and its token live on; only the bridge is reopened
      }
    }
    // Sandboxes the database does not expect to run are orphans: stop them.
    for (const [name, driver] of this.drivers) {
      for (const id of await driver.listRunning().catch(() => [])) {
        const row = byId.get(id);
        if (row?.state === 'running' || row?.state === 'creating') continue;
        if (row) await lifecycle.stop(row).catch(() => undefined);
        else {
          await driver.stop(orphanSpec(this.config.dataDir, name, id)).catch(() => undefined);
        }
        this.log.warn({ workspace: id, driver: name }, 'stopped an orphaned sandbox');
      }
    }
  }

  private async stopIdle(): Promise<void> {
    if (this.config.idleStopMinutes === 0) return;
    const cutoff = iso(new Date(this.clock.now().getTime() - this.config.idleStopMinutes * 60_000));
    for (const row of await this.workspaces.repo.listByState(['running'])) {
      if (row.last_active_at >= cutoff) continue;
      await this.workspaces.lifecycle.stop(row);
      await this.workspaces.repo.update(row.id, { state: 'stopped', updated_at: iso(this.clock.now()) });
      this.log.info({ workspace: row.id }, 'stopped an idle workspace');
    }
  }

  /** Removes archived worktrees past the expiry; their branches keep every commit. Dirty ones are kept. */
  private async expireArchived(): Promise<void> {
    if (this.config.archiveExpiryDays === 0) return;
    const cutoff = iso(new Date(this.clock.now().getTime() - this.config.archiveExpiryDays * 86_400_000));
    for (const row of await this.workspaces.repo.listByState(['archived'])) {
      const source = sourceOf(row);
      if (source.type !== 'local' || row.files_expired_at || !row.archived_at || row.archived_at >= cutoff)
        continue;
      const { work } = workspacePaths(this.config.dataDir, row.id);
      if (!(await this.workspaces.lifecycle.worktreeClean(row).catch(() => false))) {
        this.log.warn(
          { workspace: row.id },
          'archived worktree has uncommitted changes; kept past its expiry',
        );
        continue;
      }
      await removeWorktree(source, work);
      await this.workspaces.repo.update(row.id, { files_expired_at: iso(this.clock.now()), disk_bytes: 0 });
    }
  }

  /**
   * Running workspaces every pass (the window in which one can pass its cap
   * unseen is one interval), the others when their measurement is stale.
   */
  private async measureDisk(): Promise<void> {
    const { disk } = this.workspaces;
    const stale = iso(new Date(this.clock.now().getTime() - DISK_EVERY_MS));
    for (const row of await this.workspaces.repo.listByState(['running', 'stopped', 'archived', 'error'])) {
      if (row.state !== 'running' && row.disk_measured_at && row.disk_measured_at > stale) continue;
      const bytes = await disk.measure(row);
      const over = row.state === 'running' ? disk.overReason(row, bytes) : undefined;
      if (over && (await this.workspaces.stopFor(row.id, over))) {
        this.log.warn({ workspace: row.id, diskBytes: bytes }, 'stopped a workspace over its disk cap');
        await this.tellOwners(row, over);
      }
    }
  }

  private async tellOwners(row: WorkspaceRow, reason: string): Promise<void> {
    if (!this.notifications) return;
    const members = (await this.workspaces.repo.members([row.id])).get(row.id) ?? [];
    for (const owner of members.filter((m) => m.role === 'owner')) {
      await this.notifications
        .notify(owner.userId, {
          kind: 'workspace',
          title: `Workspace "${row.name}" was stopped`,
          body: `${reason}: delete files in its Files tab, then start it.`,
          workspaceId: row.id,
          link: `/workspaces/${row.id}`,
        })
        .catch((error: unknown) => this.log.warn({ err: error, workspace: row.id }, 'notification failed'));
    }
  }
}

/** Enough of a spec to stop a sandbox the database no longer knows. */
function orphanSpec(dataDir: string, driver: string, id: string) {
  const paths = workspacePaths(dataDir, id);
  return {
    id,
    workDir: paths.work,
    homeDir: paths.home,
    stateDir: `${dataDir}/sandbox-state/${driver}/${id}`,
    uid: 0,
    gid: 0,
    env: {},
    network: 'none' as const,
    limits: {},
  };
}
