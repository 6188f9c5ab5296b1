import { chown, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/index.js';
import {
  SANDBOX_HOME,
  SANDBOX_USER,
  type SandboxCapabilities,
  type SandboxDriver,
  type SandboxSpec,
} from '../../sandbox/driver.js';
import { sandboxOf, type Sandbox } from '../../sandbox/sandbox.js';
import type { HangarBridge } from './bridge.js';
import { grantGitDirAccess, revokeGitDirAccess, worktreeBinds } from './git-access.js';
import { sourceOf, type WorkspaceRow } from './repository.js';
import type { CloneOrigin } from './clone-policy.js';
import { prepareGitDirBinds, prepareWorkTree } from './prepare.js';
import { runGitScript } from './sandbox-git.js';
import { commonGitDir, removeWorktree } from './sources.js';
import type { TemplateCatalog } from './templates.js';
import { SANDBOX_AGENTS_DIR, hostAgentsDir } from '../../agents/paths.js';
import { SANDBOX_BIN_DIR, sandboxBinBinds } from '../chat/sandbox-command.js';
import type { WorkspaceTokens } from './workspace-tokens.js';

/** The port that reaches Hangar inside a sandbox with network policy `hangar` or `full`. */
export const SANDBOX_HANGAR_PORT = 7700;

const SETUP_TIMEOUT_MS = 15 * 60_000;

/** Where a workspace lives on the host. */
export function workspacePaths(dataDir: string, id: string) {
  const root = join(dataDir, 'workspaces', id);
  return { root, work: join(root, 'work'), home: join(root, 'home'), run: join(root, 'run') };
}

/**
 * Turns workspace rows into sandboxes: builds the spec, prepares files, and
 * drives the sandbox driver. Knows nothing of users or permissions.
 */
export class WorkspaceLifecycle {
  private readonly stopListeners: ((workspaceId: string) => void)[] = [];
  private readonly stoppingListeners: ((row: WorkspaceRow, by: string | null) => Promise<void>)[] = [];
  private readonly startListeners: ((row: WorkspaceRow) => void)[] = [];

  constructor(
    private readonly config: Pick<Config, 'dataDir' | 'templates'>,
    private readonly templates: TemplateCatalog,
    private readonly bridge: HangarBridge,
    readonly tokens: WorkspaceTokens,
    private readonly options: { /** Default CLONE_TIMEOUT_MS. */ cloneTimeoutMs?: number } = {},
  ) {}

  /** Called after a workspace's sandbox stopped or was destroyed (its processes are gone). */
  onStopped(listener: (workspaceId: string) => void): void {
    this.stopListeners.push(listener);
  }

  /**
   * Awaited before a workspace's sandbox stops, while its processes still run (agent sessions
   * stop as a stop); `by` is the person who stopped it, null for Hangar itself.
   */
  onStopping(listener: (row: WorkspaceRow, by: string | null) => Promise<void>): void {
    this.stoppingListeners.push(listener);
  }

  /** Called once a workspace's sandbox started (its row may not say `running` yet). */
  onStarted(listener: (row: WorkspaceRow) => void): void {
    this.startListeners.push(listener);
  }

  /** What the workspace's driver can do (the weakest driver's when it is not enabled here). */
  capabilitiesOf(row: Pick<WorkspaceRow, 'driver'>): SandboxCapabilities {
    return this.templates.capabilitiesOf(row.driver);
  }

  /**
   * Whether the sandbox reaches Hangar through the bridge (a unix socket of the
   * server, forwarded to 127.0.0.1:SANDBOX_HANGAR_PORT inside): with network
   * `hangar`, and with `full` in a sandbox with a network of its own
   * (capabilities.ownNetwork); otherwise it shares the server's network and
   * reaches its port directly.
   */
  private bridged(row: Pick<WorkspaceRow, 'network' | 'driver'>): boolean {
    return row.network === 'hangar' || (row.network === 'full' && this.capabilitiesOf(row).ownNetwork);
  }

  async driverOf(row: WorkspaceRow): Promise<SandboxDriver> {
    const { driver, unavailable } = await this.templates.resolve(row.template);
    if (!driver || unavailable)
      throw new Error(`template "${row.template}" is unavailable: ${unavailable ?? 'no driver'}`);
    return driver;
  }

  /** The workspace's Sandbox: how services reach it (run commands, terminals, files). */
  async sandbox(row: WorkspaceRow): Promise<Sandbox> {
    const [driver, spec] = await Promise.all([this.driverOf(row), this.spec(row)]);
    return sandboxOf(driver, spec);
  }

  async spec(row: WorkspaceRow): Promise<SandboxSpec> {
    const template = this.config.templates[row.template];
    const paths = workspacePaths(this.config.dataDir, row.id);
    const gitDir = await commonGitDir(sourceOf(row)).catch(() => undefined);
    const uid = Number(row.uid);
    return {
      id: row.id,
      workDir: paths.work,
      homeDir: paths.home,
      stateDir: join(this.config.dataDir, 'sandbox-state', row.driver, row.id),
      uid,
      gid: uid,
      network: row.network,
      hangarSocketDir: paths.run,
      hangarPort: SANDBOX_HANGAR_PORT,
      ...(template?.blockedNetworks && { blockedNetworks: template.blockedNetworks }),
      limits: template?.limits ?? {},
      ...(template?.image !== undefined && { image: template.image }),
      ...(template?.rootfs !== undefined && { rootfs: template.rootfs }),
      binds: [
        ...(gitDir ? await worktreeBinds(gitDir, paths.work) : []),
        ...agentBinds(),
        ...sandboxBinBinds(),
      ],
      env: {
        PATH: `/usr/local/bin:/usr/bin:/bin:${SANDBOX_BIN_DIR}`,
        HOME: SANDBOX_HOME,
        USER: SANDBOX_USER,
        LOGNAME: SANDBOX_USER,
        SHELL: '/bin/bash',
        LANG: 'C.UTF-8',
        TERM: 'xterm-256color',
        HANGAR_WORKSPACE_ID: row.id,
        HANGAR_WORKSPACE_NAME: row.name,
        ...this.hangarEnv(row),
        ...template?.env,
      },
    };
  }

  /**
   * How the sandbox reaches Hangar: its URL, its workspace token, and the LLM
   * proxy in place of each provider (the token is all a sandbox ever holds).
   */
  private hangarEnv(row: WorkspaceRow): Record<string, string> {
    if (row.network === 'none') return {};
    const base = this.bridged(row)
      ? `http://127.0.0.1:${SANDBOX_HANGAR_PORT}`
      : `http://127.0.0.1:${this.bridge.serverPort()}`;
    const env: Record<string, string> = { HANGAR_URL: base };
    if (Number(row.token_active) !== 1) return env;
    const token = this.tokens.tokenOf(row);
    return {
      ...env,
      HANGAR_TOKEN: token,
      ANTHROPIC_BASE_URL: `${base}/llm/anthropic`,
      ANTHROPIC_API_KEY: token,
      OPENAI_BASE_URL: `${base}/llm/openai/v1`,
      OPENAI_API_KEY: token,
      GOOGLE_GEMINI_BASE_URL: `${base}/llm/gemini`,
      GEMINI_API_KEY: token,
    };
  }

  /**
   * The first time: an empty work dir filled by git in a sandbox of the
   * workspace (see prepare.ts); then the workspace's own sandbox, then the
   * setup script (first time only). `origin`: a git source's checked URL.
   */
  async provision(
    row: WorkspaceRow,
    origin?: CloneOrigin,
  ): Promise<{ branch: string | null; prepared: boolean }> {
    const driver = await this.driverOf(row);
    const spec = await this.spec(row);
    const source = sourceOf(row);
    const { uid, gid, workDir } = spec;
    const perWorkspaceUid = driver.capabilities.perWorkspaceUid;
    // Unlike spec(), fails when a local repository's git dir is unreadable: git would fail inside.
    const gitDir = await commonGitDir(source);
    let branch = row.branch;
    if (!row.prepared_at) {
      await removeWorktree(source, workDir);
      await rm(workDir, { recursive: true, force: true });
      await mkdir(spec.homeDir, { recursive: true });
      await mkdir(spec.hangarSocketDir!, { recursive: true, mode: 0o750 });
      await chown(spec.hangarSocketDir!, 0, gid).catch(() => undefined); // as the bridge makes it
      if (gitDir) {
        await prepareGitDirBinds(gitDir);
        await grantGitDirAccess({ gitDir, uid, gid, perWorkspaceUid });
      }
      const template = { name: row.template, network: row.network };
      branch = await prepareWorkTree({
        driver,
        spec,
        source,
        workspaceName: row.name,
        template,
        ...(origin && { origin }),
        ...(gitDir && { gitDir }),
        ...(this.options.cloneTimeoutMs && { cloneTimeoutMs: this.options.cloneTimeoutMs }),
      });
    }
    if (gitDir) await grantGitDirAccess({ gitDir, uid, gid, worktree: workDir, perWorkspaceUid });
    await driver.create(await this.spec({ ...row, branch }));
    const started = await this.start({ ...row, branch });
    const script = this.config.templates[row.template]?.setupScript;
    if (!row.prepared_at && script) {
      const result = await (
        await this.sandbox(started)
      ).exec({
        command: ['/bin/bash', '-lc', script],
        timeoutMs: SETUP_TIMEOUT_MS,
        maxOutputBytes: 64 * 1024,
      });
      if (result.exitCode !== 0) {
        const tail = `${result.stdout}\n${result.stderr}`.trim().split('\n').slice(-5).join('\n');
        throw new Error(`the setup script exited with ${result.exitCode ?? result.signal}: ${tail}`);
      }
    }
    return { branch, prepared: true };
  }

  /**
   * True when an archived worktree has no uncommitted or untracked changes:
   * `git status` in a sandbox of the workspace started for this (no network,
   * no token), as the tree and its .git are the sandbox's to write.
   */
  async worktreeClean(row: WorkspaceRow): Promise<boolean> {
    const driver = await this.driverOf(row);
    const spec = await this.spec(row);
    const policies = driver.capabilities.networkPolicies;
    const check = {
      ...spec,
      network: policies.includes('none') ? ('none' as const) : row.network,
      env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: SANDBOX_HOME, LANG: 'C.UTF-8' },
    };
    await driver.start(check);
    try {
      const sandbox = sandboxOf(driver, check);
      const status = await runGitScript(sandbox, 'git status', 'exec git status --porcelain', [], {
        env: { GIT_OPTIONAL_LOCKS: '0' },
        timeoutMs: 5 * 60_000,
        stop: () => driver.stop(check),
      });
      return status.trim() === '';
    } finally {
      await driver.stop(check);
      await driver.release(check);
    }
  }

  /** Starts the sandbox with a newly issued workspace token; returns the row with its new generation. */
  async start(row: WorkspaceRow): Promise<WorkspaceRow> {
    const driver = await this.driverOf(row);
    const issued = await this.tokens.issue(row);
    const spec = await this.spec(issued);
    await this.reattach(issued);
    await driver.start(spec);
    for (const listener of this.startListeners) listener(issued);
    return issued;
  }

  /** After a server restart: the sandbox runs on, with its token; only the bridge is ours to reopen. */
  async reattach(row: WorkspaceRow): Promise<void> {
    if (!this.bridged(row)) return;
    const spec = await this.spec(row);
    await this.bridge.open(row.id, spec.hangarSocketDir!, spec.uid, spec.gid);
  }

  async stop(row: WorkspaceRow, release = false, by: string | null = null): Promise<void> {
    await this.tokens.revoke(row.id); // no new LLM call from this sandbox from now on
    for (const listener of this.stoppingListeners) await listener(row, by).catch(() => undefined);
    const driver = await this.driverOf(row).catch(() => undefined);
    const spec = await this.spec(row);
    if (driver) await (release ? driver.release(spec) : driver.stop(spec));
    await this.bridge.close(row.id);
    for (const listener of this.stopListeners) listener(row.id);
  }

  async isRunning(row: WorkspaceRow): Promise<boolean> {
    const driver = await this.driverOf(row).catch(() => undefined);
    return driver ? (await driver.status(await this.spec(row))) === 'running' : false;
  }

  /** Removes the sandbox and every file of the workspace; a worktree's branch stays in its repository. */
  async destroy(row: WorkspaceRow): Promise<void> {
    const spec = await this.spec(row);
    await this.bridge.close(row.id);
    await removeWorktree(sourceOf(row), spec.workDir);
    const driver = await this.driverOf(row).catch(() => undefined);
    if (driver) await driver.destroy(spec);
    for (const listener of this.stopListeners) listener(row.id);
    const gitDir = await commonGitDir(sourceOf(row)).catch(() => undefined);
    // A driver that is gone may have had access granted: revoking what is not there is harmless.
    const perWorkspaceUid = driver?.capabilities.perWorkspaceUid ?? true;
    if (gitDir) await revokeGitDirAccess({ gitDir, uid: spec.uid, perWorkspaceUid });
    await rm(workspacePaths(this.config.dataDir, row.id).root, { recursive: true, force: true });
    await rm(spec.stateDir, { recursive: true, force: true });
  }
}

/** The installed agent CLIs, visible read-only inside the sandbox. */
function agentBinds() {
  const dir = hostAgentsDir();
  return dir ? [{ hostPath: dir, sandboxPath: SANDBOX_AGENTS_DIR, readOnly: true }] : [];
}
