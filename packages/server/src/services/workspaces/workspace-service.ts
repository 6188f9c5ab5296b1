import type { Kysely } from 'kysely';
import type { WorkspaceMember, WorkspaceRole, WorkspaceSource, WorkspaceState } from '@hangar/protocol';
import type { Config } from '../../config/index.js';
import { errors } from '../../errors.js';
import type { RunResult } from '../../sandbox/sandbox.js';
import { isUniqueViolation } from '../../store/database.js';
import type { Database } from '../../store/schema.js';
import type { AccountService } from '../accounts.js';
import type { Principal } from '../auth.js';
import { iso, type Clock } from '../../common/clock.js';
import { newId } from '../../common/crypto.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import { authorize, type WorkspaceAction } from './access.js';
import { checkCloneUrl, cloneNetwork, isNetworkUrl, type CloneOrigin } from './clone-policy.js';
import { CloneSlots } from './clone-slots.js';
import { WorkspaceCreationLimits } from './creation-limits.js';
import { WorkspaceDiskCap } from './disk-cap.js';
import type { WorkspaceLifecycle } from './lifecycle.js';
import { sourceOf, WorkspaceRepository, type WorkspaceFilter, type WorkspaceRow } from './repository.js';
import { allowedRepository } from './sources.js';
import type { TemplateCatalog } from './templates.js';

export interface WorkspaceView {
  row: WorkspaceRow;
  members: WorkspaceMember[];
  myRole: WorkspaceRole | null;
  isolated: boolean;
}

const MAX_EXEC_OUTPUT = 1024 * 1024;

/** Workspaces as people use them: who may do what, and in which state. */
export class WorkspaceService {
  readonly repo: WorkspaceRepository;
  private readonly lock = new KeyedLock();
  /** Provisioning and deletion run in the background; tests, shutdown and `?wait` wait for them. */
  private readonly pending = new Map<Promise<void>, string>();
  /** Clones under way per user (see clone-slots.ts). */
  private readonly clones = new CloneSlots();
  /** Per-user cap and pace of creation (issue 16): see creation-limits.ts. */
  private readonly limits: WorkspaceCreationLimits;
  /** The template's disk cap, measured before every start (see disk-cap.ts). */
  readonly disk: WorkspaceDiskCap;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly config: Pick<
      Config,
      | 'dataDir'
      | 'sandboxUidBase'
      | 'sandboxUidCount'
      | 'localRepoRoots'
      | 'hostDriverMultiUser'
      | 'templates'
      | 'workspacesPerUser'
      | 'workspaceCreationsPerMinute'
    >,
    private readonly templates: TemplateCatalog,
    readonly lifecycle: WorkspaceLifecycle,
    private readonly accounts: AccountService,
    private readonly clock: Clock,
  ) {
    this.repo = new WorkspaceRepository(db);
    this.limits = new WorkspaceCreationLimits(db, config, clock);
    this.disk = new WorkspaceDiskCap(config, this.repo, clock);
  }

  async list(principal: Principal, filter: Omit<WorkspaceFilter, 'memberId'>): Promise<WorkspaceView[]> {
    const memberId = principal.user.role === 'admin' ? undefined : principal.user.id;
    const rows = await this.repo.list({ ...filter, memberId });
    return this.views(rows, principal);
  }

  async get(principal: Principal, id: string, action: WorkspaceAction = 'read'): Promise<WorkspaceView> {
    const row = await this.repo.find(id);
    if (!row) throw errors.notFound('The workspace');
    const role = await this.repo.roleOf(id, principal.user.id);
    authorize(principal, role, action, row.name);
    return (await this.views([row], principal))[0]!;
  }

  /** A git source's URL is checked (clone-policy.ts) and holds a clone slot until provisioned. */
  async create(
    principal: Principal,
    input: { name: string; source: WorkspaceSource; template?: string | undefined },
  ) {
    let release: (() => void) | undefined;
    if (input.source.type === 'git') {
      const template = await this.templates.resolve(input.template);
      const { name, config, driver } = template;
      const fromUrl = isNetworkUrl(input.source.url);
      cloneNetwork(fromUrl, { name, network: config.network }, driver?.capabilities.networkPolicies ?? []);
      await this.cloneOrigin(principal.user.role === 'admin', input.source.url);
      release = this.clones.take(principal.user.id);
    }
    try {
      return await this.createRow(principal, input, release);
    } catch (error) {
      release?.();
      throw error;
    }
  }

  private async createRow(
    principal: Principal,
    input: { name: string; source: WorkspaceSource; template?: string | undefined },
    releaseClone: (() => void) | undefined,
  ) {
    const template = await this.templates.resolve(input.template);
    if (template.unavailable) throw errors.templateUnavailable(template.name, template.unavailable);
    if (
      !template.driver?.capabilities.isolated &&
      !this.config.hostDriverMultiUser &&
      (await this.accounts.count()) > 1
    ) {
      throw errors.hostDriverRefused();
    }
    const source =
      input.source.type === 'local'
        ? { ...input.source, path: await allowedRepository(input.source.path, this.config.localRepoRoots) }
        : input.source;
    const now = iso(this.clock.now());
    const row: WorkspaceRow = {
      id: newId(),
      name: input.name,
      state: 'creating',
      error: null,
      template: template.name,
      driver: template.config.driver,
      network: template.config.network,
      source: JSON.stringify(source),
      branch: null,
      uid: 0,
      created_by: principal.user.id,
      created_at: now,
      updated_at: now,
      last_active_at: now,
      prepared_at: null,
      archived_at: null,
      files_expired_at: null,
      disk_bytes: null,
      disk_measured_at: null,
      token_generation: 0,
      token_active: 0,
    };
    await this.limits.admitCreate(principal.user.id, () => this.insertWithUid(row));
    await this.db
      .insertInto('workspace_members')
      .values({ workspace_id: row.id, user_id: principal.user.id, role: 'owner', added_at: now })
      .execute();
    this.background(row.id, () => this.provision(row.id).finally(releaseClone));
    return this.get(principal, row.id);
  }

  /** Allocates the lowest free uid of the range; the unique index settles races. */
  private async insertWithUid(row: WorkspaceRow): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const used = await this.repo.usedUids();
      let offset = 0;
      while (offset < this.config.sandboxUidCount && used.has(this.config.sandboxUidBase + offset)) offset++;
      if (offset >= this.config.sandboxUidCount) throw errors.noFreeUid();
      row.uid = this.config.sandboxUidBase + offset;
      try {
        await this.db.insertInto('workspaces').values(row).execute();
        return;
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        if (
          await this.db.selectFrom('workspaces').select('id').where('name', '=', row.name).executeTakeFirst()
        ) {
          throw errors.workspaceNameTaken(row.name);
        }
      }
    }
    throw errors.noFreeUid();
  }

  async rename(principal: Principal, id: string, name: string): Promise<WorkspaceView> {
    const { row } = await this.get(principal, id, 'manage');
    if (row.branch) throw errors.invalidState(row.name, 'a worktree on its own branch', 'be renamed');
    try {
      await this.repo.update(id, { name, updated_at: iso(this.clock.now()) });
    } catch (error) {
      if (isUniqueViolation(error)) throw errors.workspaceNameTaken(name);
      throw error;
    }
    return this.get(principal, id);
  }

  start(principal: Principal, id: string) {
    return this.transition(principal, id, 'operate', ['stopped'], 'start', async (row) => {
      await this.disk.assertUnder(row);
      await this.lifecycle.start(row);
      return { state: 'running', error: null };
    });
  }

  stop(principal: Principal, id: string) {
    return this.transition(principal, id, 'operate', ['running'], 'stop', async (row) => {
      await this.lifecycle.stop(row, false, principal.user.id);
      return { state: 'stopped' };
    });
  }

  archive(principal: Principal, id: string) {
    return this.transition(
      principal,
      id,
      'manage',
      ['running', 'stopped', 'error'],
      'be archived',
      async (row) => {
        await this.lifecycle.stop(row, true, principal.user.id);
        return { state: 'archived', archived_at: iso(this.clock.now()), error: null };
      },
    );
  }

  restore(principal: Principal, id: string) {
    return this.transition(principal, id, 'manage', ['archived'], 'be restored', async (row) => {
      if (row.created_by) await this.limits.checkCount(row.created_by);
      // An expired worktree comes back from its branch, which kept every commit.
      if (row.files_expired_at)
        return { state: 'creating', archived_at: null, files_expired_at: null, prepared_at: null };
      await this.disk.assertUnder(row);
      await this.lifecycle.start(row);
      return { state: 'running', archived_at: null };
    });
  }

  async retry(principal: Principal, id: string) {
    let release: (() => void) | undefined;
    try {
      return await this.transition(
        principal,
        id,
        'operate',
        ['error'],
        'be retried',
        async (row) => {
          if (sourceOf(row).type === 'git' && !row.prepared_at) release = this.clones.take(principal.user.id);
          return { state: 'creating', error: null };
        },
        () => release,
      );
    } catch (error) {
      release?.();
      throw error;
    }
  }

  async remove(principal: Principal, id: string, confirm: string): Promise<void> {
    const { row } = await this.get(principal, id, 'manage');
    if (confirm !== row.name) throw errors.confirmationMismatch(row.name);
    await this.lock.run(id, async () => {
      await this.repo.update(id, { state: 'deleting', updated_at: iso(this.clock.now()) });
    });
    this.background(id, () => this.destroy(id));
  }

  /** Runs a command to completion inside the running workspace. */
  async exec(
    principal: Principal,
    id: string,
    options: {
      command: string[];
      cwd?: string | undefined;
      env?: Record<string, string> | undefined;
      timeoutMs: number;
    },
  ): Promise<RunResult> {
    const { row } = await this.get(principal, id, 'operate');
    if (row.state !== 'running') throw errors.invalidState(row.name, row.state, 'run commands');
    await this.touch(id);
    const sandbox = await this.lifecycle.sandbox(row);
    return sandbox.exec({
      command: options.command,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.env !== undefined && { env: options.env }),
      timeoutMs: options.timeoutMs,
      maxOutputBytes: MAX_EXEC_OUTPUT,
    });
  }

  async setMember(
    principal: Principal,
    id: string,
    userId: string,
    role: WorkspaceRole,
  ): Promise<WorkspaceView> {
    await this.get(principal, id, 'manage');
    await this.accounts.get(userId);
    await this.lock.run(`members:${id}`, async () => {
      const current = await this.repo.roleOf(id, userId);
      if (current === 'owner' && role !== 'owner') await this.assertAnotherOwner(id, userId);
      if (current) {
        await this.db
          .updateTable('workspace_members')
          .set({ role })
          .where('workspace_id', '=', id)
          .where('user_id', '=', userId)
          .execute();
      } else {
        await this.db
          .insertInto('workspace_members')
          .values({ workspace_id: id, user_id: userId, role, added_at: iso(this.clock.now()) })
          .execute();
      }
    });
    return this.get(principal, id);
  }

  async removeMember(principal: Principal, id: string, userId: string): Promise<WorkspaceView> {
    await this.get(principal, id, 'manage');
    await this.lock.run(`members:${id}`, async () => {
      if ((await this.repo.roleOf(id, userId)) === 'owner') await this.assertAnotherOwner(id, userId);
      await this.db
        .deleteFrom('workspace_members')
        .where('workspace_id', '=', id)
        .where('user_id', '=', userId)
        .execute();
    });
    return principal.user.id === userId && principal.user.role !== 'admin'
      ? { ...(await this.internalView(id)), myRole: null }
      : this.get(principal, id);
  }

  /**
   * Stops a running workspace on Hangar's own decision (over its disk cap, say), under the
   * workspace's lock; `reason` is shown on it until it starts again. False if it was not running.
   */
  async stopFor(id: string, reason: string): Promise<boolean> {
    return this.lock.run(id, async () => {
      const row = await this.repo.find(id);
      if (row?.state !== 'running') return false;
      await this.lifecycle.stop(row);
      await this.repo.update(id, { state: 'stopped', error: reason, updated_at: iso(this.clock.now()) });
      return true;
    });
  }

  /** Marks activity, which keeps a workspace from being stopped as idle. */
  async touch(id: string): Promise<void> {
    await this.repo.update(id, { last_active_at: iso(this.clock.now()) });
  }

  /** Waits for background provisioning and deletion (tests, shutdown). */
  async settle(id?: string): Promise<void> {
    const matching = () =>
      [...this.pending].filter(([, of]) => id === undefined || of === id).map(([p]) => p);
    for (let tasks = matching(); tasks.length > 0; tasks = matching()) await Promise.allSettled(tasks);
  }

  /** Creating (first time or retry): files, sandbox, setup script. */
  async provision(id: string): Promise<void> {
    await this.lock.run(id, async () => {
      const row = await this.repo.find(id);
      if (!row || row.state !== 'creating') return;
      try {
        const source = sourceOf(row);
        // Checked again: the URL may resolve elsewhere now, or its creator be no longer an admin.
        const origin =
          source.type === 'git' && !row.prepared_at
            ? await this.cloneOrigin(await this.isAdmin(row.created_by), source.url)
            : undefined;
        const { branch } = await this.lifecycle.provision(row, origin);
        await this.repo.update(id, {
          state: 'running',
          branch,
          prepared_at: iso(this.clock.now()),
          error: null,
          updated_at: iso(this.clock.now()),
        });
      } catch (error) {
        await this.lifecycle.stop(row).catch(() => undefined);
        const message = error instanceof Error ? error.message : String(error);
        await this.repo.update(id, { state: 'error', error: message, updated_at: iso(this.clock.now()) });
      }
    });
  }

  async destroy(id: string): Promise<void> {
    await this.lock.run(id, async () => {
      const row = await this.repo.find(id);
      if (!row) return;
      await this.lifecycle.destroy(row);
      await this.db.deleteFrom('workspaces').where('id', '=', id).execute();
    });
  }

  background(id: string, task: () => Promise<void>): void {
    const run = task().finally(() => this.pending.delete(run));
    this.pending.set(run, id);
  }

  private async transition(
    principal: Principal,
    id: string,
    action: WorkspaceAction,
    from: WorkspaceState[],
    verb: string,
    apply: (row: WorkspaceRow) => Promise<Partial<WorkspaceRow>>,
    /** A clone slot apply took, given back when the provisioning it starts ends. */
    slot?: () => (() => void) | undefined,
  ): Promise<WorkspaceView> {
    await this.get(principal, id, action);
    await this.lock.run(id, async () => {
      const row = (await this.repo.find(id))!;
      if (!from.includes(row.state)) throw errors.invalidState(row.name, row.state, verb);
      const patch = await apply(row);
      const now = iso(this.clock.now());
      await this.repo.update(id, { ...patch, updated_at: now, last_active_at: now });
    });
    const after = await this.repo.find(id);
    if (after?.state === 'creating') {
      const release = slot?.();
      this.background(id, () => this.provision(id).finally(release));
    }
    return this.get(principal, id);
  }

  private cloneOrigin(admin: boolean, url: string): Promise<CloneOrigin> {
    return checkCloneUrl(url, { admin, localRepoRoots: this.config.localRepoRoots });
  }

  private async isAdmin(userId: string | null): Promise<boolean> {
    if (!userId) return false;
    const user = await this.db.selectFrom('users').select('role').where('id', '=', userId).executeTakeFirst();
    return user?.role === 'admin';
  }

  private async assertAnotherOwner(id: string, exceptUserId: string): Promise<void> {
    const other = await this.db
      .selectFrom('workspace_members')
      .select('user_id')
      .where('workspace_id', '=', id)
      .where('role', '=', 'owner')
      .where('user_id', '!=', exceptUserId)
      .executeTakeFirst();
    if (!other) throw errors.lastOwner();
  }

  private async internalView(id: string): Promise<WorkspaceView> {
    const row = (await this.repo.find(id))!;
    const members = (await this.repo.members([id])).get(id) ?? [];
    return { row, members, myRole: null, isolated: this.isolated(row) };
  }

  private async views(rows: WorkspaceRow[], principal: Principal): Promise<WorkspaceView[]> {
    const members = await this.repo.members(rows.map((r) => r.id));
    return rows.map((row) => {
      const list = members.get(row.id) ?? [];
      return {
        row,
        members: list,
        myRole: list.find((m) => m.userId === principal.user.id)?.role ?? null,
        isolated: this.isolated(row),
      };
    });
  }

  private isolated(row: WorkspaceRow): boolean {
    return this.templates.capabilitiesOf(row.driver).isolated;
  }
}
