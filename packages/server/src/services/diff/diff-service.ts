import { join } from 'node:path';
import type { TurnDiff, WorkspaceDiff } from '@hangar/protocol';
import { errors } from '../../errors.js';
import type { Principal } from '../auth.js';
import { workspacePaths } from '../workspaces/lifecycle.js';
import type { WorkspaceService } from '../workspaces/workspace-service.js';
import {
  LiveDiff,
  type DiffMessage,
  type DiffTimings,
  type LiveDiffOptions,
  type LiveTarget,
} from './live-diff.js';
import { DEFAULT_CAPS } from './patch-parser.js';
import { SandboxGitError } from './sandbox-git.js';
import { TurnDiffs } from './turn-diffs.js';

export type { DiffMessage, DiffTimings } from './live-diff.js';

const DEFAULTS: LiveDiffOptions = {
  caps: DEFAULT_CAPS,
  quietMs: 25,
  maxWaitMs: 120,
  pollMs: 500,
  leaseMs: 60_000,
};

/**
 * Diffs of workspaces: the live diff (working tree against HEAD) per running
 * workspace, watched only while someone listens, and the diff of each agent
 * turn (see TurnDiffs, the session service's turn observer).
 */
export class DiffService {
  private readonly live = new Map<string, LiveDiff>();
  readonly turns: TurnDiffs;
  private readonly options: LiveDiffOptions;

  constructor(
    private readonly workspaces: WorkspaceService,
    private readonly dataDir: string,
    options: Partial<LiveDiffOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
    this.turns = new TurnDiffs(
      (id) => this.target(id),
      (id) => join(workspacePaths(dataDir, id).root, 'turn-diffs'),
      this.options.caps,
    );
    workspaces.lifecycle.onStopped((id) => void this.stopped(id));
  }

  /** The live diff of a running workspace the principal may see. */
  async get(principal: Principal, workspaceId: string): Promise<WorkspaceDiff> {
    const live = await this.liveFor(principal, workspaceId);
    return live.get().catch((error: unknown) => {
      if (error instanceof SandboxGitError) throw errors.conflict(error.message);
      throw error;
    });
  }

  /**
   * Listens to a workspace's live diff: `current` settles with the diff now,
   * the listener gets each change; `unsubscribe` ends it (and the watch, with the last one).
   */
  async subscribe(
    principal: Principal,
    workspaceId: string,
    listener: (message: DiffMessage) => void,
  ): Promise<{ current: Promise<WorkspaceDiff>; unsubscribe: () => void }> {
    const live = await this.liveFor(principal, workspaceId);
    const unsubscribe = live.subscribe(listener);
    return { current: live.get({ lease: false }), unsubscribe };
  }

  /** Recomputes (whole-tree ones among them), the last one's duration and steps, and whether the tree is watched (tests, the benchmark). */
  stats(workspaceId: string): {
    recomputes: number;
    fullRecomputes: number;
    lastComputeMs: number;
    lastTimings: DiffTimings | undefined;
    watching: boolean;
  } {
    const live = this.live.get(workspaceId);
    return {
      recomputes: live?.recomputes ?? 0,
      fullRecomputes: live?.fullRecomputes ?? 0,
      lastComputeMs: live?.lastComputeMs ?? 0,
      lastTimings: live?.lastTimings,
      watching: live?.watching ?? false,
    };
  }

  async turnDiff(workspaceId: string, sessionId: string, turnId: string): Promise<TurnDiff> {
    const diff = await this.turns.get(workspaceId, sessionId, turnId);
    if (!diff) throw errors.notFound('The turn’s diff');
    return diff;
  }

  async close(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.stopped(id, 'the server is stopping')));
  }

  private async liveFor(principal: Principal, workspaceId: string): Promise<LiveDiff> {
    const { row } = await this.workspaces.get(principal, workspaceId, 'read');
    if (row.state !== 'running') throw errors.invalidState(row.name, row.state, 'show a live diff');
    let live = this.live.get(workspaceId);
    if (!live) {
      const target = await this.target(workspaceId);
      if (!target) throw errors.invalidState(row.name, 'stopped', 'show a live diff');
      live = this.live.get(workspaceId) ?? new LiveDiff(target, this.options);
      this.live.set(workspaceId, live);
    }
    return live;
  }

  private async target(workspaceId: string): Promise<LiveTarget | undefined> {
    const row = await this.workspaces.repo.find(workspaceId);
    if (!row || row.state !== 'running') return undefined;
    const { lifecycle } = this.workspaces;
    const sandbox = await lifecycle.sandbox(row);
    return { workspaceId, workDir: workspacePaths(this.dataDir, workspaceId).work, sandbox };
  }

  private async stopped(workspaceId: string, reason = 'the workspace stopped'): Promise<void> {
    const live = this.live.get(workspaceId);
    this.live.delete(workspaceId);
    await live?.close(reason);
  }
}
