import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventType, turnDiff, type AgentEvent, type TurnDiff } from '@hangar/protocol';
import { KeyedLock } from '../../common/keyed-lock.js';
import type { PatchCaps } from './patch-parser.js';
import { PatchParser } from './patch-parser.js';
import { runSandboxGit } from './sandbox-git.js';
import type { SessionRef, TurnObserver } from './turn-observer.js';
import type { LiveTarget } from './live-diff.js';

interface Snapshot {
  store: string;
  tree: string;
  at: string;
}

interface Open {
  turnId: string;
  start: Promise<Snapshot | undefined>;
}

/** Longest wait for the start snapshot before the message goes anyway (that turn then has no diff). */
const SNAPSHOT_WAIT_MS = 15_000;

/**
 * Per-turn diffs: the tree is written as a git tree before each turn (into the
 * workspace's own object store through a copy of its index, or into a
 * private snapshot repository when the workspace has none) and compared with
 * the tree at the turn's end. The result is kept as a file beside the
 * workspace (outside its tree, out of the sandbox's reach), one per turn.
 */
export class TurnDiffs implements TurnObserver {
  private readonly pending = new Map<string, Promise<Snapshot | undefined>>();
  private readonly open = new Map<string, Open>();
  private readonly finishing = new Map<string, Promise<void>>();
  private readonly lock = new KeyedLock();
  /** Snapshots waiting for their turn, per workspace and store: later asks share them. */
  private readonly queued = new Map<string, Promise<Snapshot | undefined>>();
  /** Snapshots taken (each: two git runs in the sandbox). */
  snapshotsTaken = 0;
  /** Failures, for the log and tests. */
  readonly failures: string[] = [];

  constructor(
    private readonly target: (workspaceId: string) => Promise<LiveTarget | undefined>,
    private readonly dir: (workspaceId: string) => string,
    private readonly caps: PatchCaps,
  ) {}

  async beforeTurn(session: SessionRef): Promise<void> {
    if (this.open.has(session.sessionId) || this.pending.has(session.sessionId)) return;
    const snapshot = this.snapshot(session.workspaceId, 'auto');
    this.pending.set(session.sessionId, snapshot);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([snapshot, new Promise((r) => (timer = setTimeout(r, SNAPSHOT_WAIT_MS)))]);
    clearTimeout(timer);
  }

  onEvent(session: SessionRef, event: AgentEvent): void {
    const id = session.sessionId;
    if (event.type === EventType.RUN_STARTED) {
      if (this.open.has(id)) return;
      const start = this.pending.get(id) ?? this.snapshot(session.workspaceId, 'auto');
      this.pending.delete(id);
      this.open.set(id, { turnId: event.runId, start });
    } else if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR) {
      const open = this.open.get(id);
      if (!open) return;
      this.open.delete(id);
      const key = `${id}/${open.turnId}`;
      const done = this.finish(session, open)
        .catch((error: unknown) => void this.failures.push(`${key}: ${(error as Error).message}`))
        .finally(() => this.finishing.delete(key));
      this.finishing.set(key, done);
    }
  }

  /** A turn's diff, once its end is recorded; undefined for an unknown turn. */
  async get(workspaceId: string, sessionId: string, turnId: string): Promise<TurnDiff | undefined> {
    await this.finishing.get(`${sessionId}/${turnId}`);
    const text = await readFile(this.file(workspaceId, sessionId, turnId), 'utf8').catch(() => undefined);
    return text === undefined ? undefined : turnDiff.parse(JSON.parse(text));
  }

  /** Every recorded turn of a session, oldest first. */
  async list(workspaceId: string, sessionId: string): Promise<TurnDiff[]> {
    await Promise.all(
      [...this.finishing].filter(([key]) => key.startsWith(`${sessionId}/`)).map(([, p]) => p),
    );
    const names = await readdir(join(this.dir(workspaceId), sessionId)).catch(() => [] as string[]);
    const turns = await Promise.all(
      names
        .filter((n) => n.endsWith('.json'))
        .map((n) => this.get(workspaceId, sessionId, n.slice(0, -'.json'.length))),
    );
    return turns
      .filter((t): t is TurnDiff => t !== undefined)
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  private async finish(session: SessionRef, open: Open): Promise<void> {
    const start = await open.start;
    if (!start) throw new Error('no snapshot of the turn’s start');
    const end = await this.snapshot(session.workspaceId, start.store);
    if (!end) throw new Error('no snapshot of the turn’s end');
    const target = await this.target(session.workspaceId);
    if (!target) throw new Error('the workspace is not running');
    const parser = new PatchParser(this.caps);
    await runSandboxGit(target.sandbox, {
      script: 'trees',
      args: [start.store, start.tree, end.tree],
      onStdout: (chunk) => parser.push(chunk),
    });
    const { files, additions, deletions, truncated } = parser.end();
    const diff: TurnDiff = {
      sessionId: session.sessionId,
      turnId: open.turnId,
      startedAt: start.at,
      finishedAt: end.at,
      additions,
      deletions,
      truncated,
      files,
    };
    const file = this.file(session.workspaceId, session.sessionId, open.turnId);
    await mkdir(join(this.dir(session.workspaceId), session.sessionId), { recursive: true, mode: 0o700 });
    await writeFile(`${file}.tmp`, JSON.stringify(diff), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  /**
   * The tree now, written into the store (`auto`: the workspace's repository if it has one).
   * Snapshots of a workspace run one at a time; an ask that comes while one waits to start
   * shares it (it starts after the ask, so it sees the tree of then or later): 20 sessions
   * starting turns at once cost two snapshots, not twenty in a row.
   */
  private snapshot(workspaceId: string, store: string): Promise<Snapshot | undefined> {
    const key = `${workspaceId}\0${store}`;
    const waiting = this.queued.get(key);
    if (waiting) return waiting;
    const taken = this.lock
      .run(workspaceId, async () => {
        this.queued.delete(key); // from here on, an ask needs a snapshot that starts after it
        this.snapshotsTaken++;
        const target = await this.target(workspaceId);
        if (!target) return undefined;
        const at = new Date().toISOString();
        const { sandbox } = target;
        const names = await runSandboxGit(sandbox, { script: 'configNames', args: [store] });
        const configNames = names.split('\n').filter(Boolean);
        const out = await runSandboxGit(sandbox, { script: 'snapshot', args: [store], configNames });
        const [used = '', tree = ''] = out.trim().split('\0');
        if (!/^[0-9a-f]{40,64}$/.test(tree)) throw new Error(`git wrote no tree: ${out.slice(0, 200)}`);
        return { store: used, tree, at };
      })
      .catch((error: unknown) => {
        this.failures.push(`snapshot of ${workspaceId}: ${(error as Error).message}`);
        return undefined;
      });
    this.queued.set(key, taken);
    return taken;
  }

  private file(workspaceId: string, sessionId: string, turnId: string): string {
    if (!/^[A-Za-z0-9_-]+$/.test(sessionId) || !/^[A-Za-z0-9_-]+$/.test(turnId))
      throw new Error('bad session or turn id');
    return join(this.dir(workspaceId), sessionId, `${turnId}.json`);
  }
}
