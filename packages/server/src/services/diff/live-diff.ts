import { createHash } from 'node:crypto';
import type { FileDiff, WorkspaceDiff } from '@hangar/protocol';
import type { Sandbox } from '../../sandbox/sandbox.js';
import { gitFingerprint, type GitFingerprint } from './fingerprint.js';
import { PatchParser, untrackedOf, type PatchCaps } from './patch-parser.js';
import { runSandboxGit, SandboxGitError, type SandboxGitTiming } from './sandbox-git.js';
import { TreeWatch } from './tree-watch.js';

export type DiffMessage =
  | { type: 'diff'; diff: WorkspaceDiff }
  | { type: 'error'; message: string }
  | { type: 'end'; reason: string };

export interface LiveDiffOptions {
  caps: PatchCaps;
  /** Milliseconds of quiet after a change before recomputing, and the longest wait under constant change. */
  quietMs: number;
  maxWaitMs: number;
  /** Milliseconds between checks of the git state fingerprint (a worktree's git dir is outside the tree). */
  pollMs: number;
  /** Milliseconds a GET keeps the watch alive without a subscriber (polling clients). */
  leaseMs: number;
}

/** Not watched: git's objects and logs change on every `git add`, and say nothing about the diff. */
const IGNORED = ['.git/objects', '.git/logs', '.git/lfs'];
/** Directories beyond which @parcel/watcher's recursive watch is used (it batches changes for 50 ms). */
const MAX_WATCHED_DIRECTORIES = 20_000;

interface Subscription {
  unsubscribe(): Promise<void>;
}

/** Whole-tree runs tried when files vanish between git's listing and its marking them (see runWhole). */
const VANISHED_RETRIES = 5;
/** Changed paths beyond which a recompute diffs the whole tree rather than those paths. */
const MAX_SCOPE_PATHS = 256;
const MAX_SCOPE_BYTES = 64 * 1024;

/** Where the time of the last recompute went (ms), for the Server-Timing header and the benchmark. */
export interface DiffTimings {
  /** `paths`: only the changed paths were diffed, the rest kept; `full`: the whole tree. */
  kind: 'full' | 'paths';
  /** Paths diffed by a `paths` run. */
  paths: number;
  /** From the first watch event of the change to the start of the recompute (the debounce). */
  queuedMs: number;
  /** The git state fingerprint on the host. */
  fingerprintMs: number;
  /** Reading the repository's config names in the sandbox (only when the config changed). */
  configMs: number;
  /** Finding the sandbox and spawning the host side of the join. */
  spawnMs: number;
  /** From the call to the first byte git printed (the join, then git's startup and work). */
  firstByteMs: number;
  /** The sandbox run from the call to its end, parsing excluded. */
  gitMs: number;
  /** Parsing git's output as it streamed. */
  parseMs: number;
  /** The whole recompute, from its start to the event handed to listeners. */
  totalMs: number;
}

/** A computed diff, with what a later incremental run needs. */
interface LiveResult {
  repository: boolean;
  head: string | null;
  /** What the tree was compared with (HEAD, or the empty tree before the first commit). */
  base: string;
  files: FileDiff[];
  additions: number;
  deletions: number;
  truncated: boolean;
  /** The total cap cut some patch. */
  cutByTotal: boolean;
}

/** Where the sandbox runs and where its tree is on the host. */
export interface LiveTarget {
  workspaceId: string;
  workDir: string;
  sandbox: Sandbox;
}

/**
 * One workspace's live diff: a file-system watch of its tree (see TreeWatch) while anyone
 * listens (or a GET's lease runs), a recompute in the sandbox on a change
 * (at once after a quiet spell, debounced in a burst), and none when neither
 * the tree nor the git state changed.
 *
 * A recompute diffs only the paths the watch reported, and keeps the other
 * files of the last result, when the git state (HEAD, index, refs, config)
 * is the one of that result; it diffs the whole tree on a change of the git
 * state, a watch error, a `.gitignore` or `.gitattributes` change, too many
 * paths, a total-cap cut, and after the watch restarts.
 */
export class LiveDiff {
  private readonly listeners = new Set<(message: DiffMessage) => void>();
  private subscription: Promise<Subscription | undefined> | undefined;
  private poll: NodeJS.Timeout | undefined;
  private lease: NodeJS.Timeout | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private firstChangeAt = 0;
  private lastChangeAt = 0;
  private current: WorkspaceDiff | undefined;
  private result: LiveResult | undefined;
  /** Work-tree paths (relative) reported changed since the last recompute began. */
  private changedPaths = new Set<string>();
  /** The next recompute must diff the whole tree. */
  private wholeTree = true;
  private fingerprint: GitFingerprint | undefined;
  private configNames: { key: string; names: string[] } | undefined;
  /** The tree changed since the last recompute began (or nothing was computed yet). */
  private dirty = true;
  private computing: Promise<WorkspaceDiff> | undefined;
  private closed = false;
  /** Recomputes so far (whole-tree ones among them), and how long the last one took (ms), for tests and the benchmark. */
  recomputes = 0;
  fullRecomputes = 0;
  lastComputeMs = 0;
  lastTimings: DiffTimings | undefined;

  constructor(
    private readonly target: LiveTarget,
    private readonly options: LiveDiffOptions,
  ) {}

  get watching(): boolean {
    return this.subscription !== undefined;
  }

  get idle(): boolean {
    return this.listeners.size === 0 && this.lease === undefined;
  }

  /** The diff now: the cached one when the watch saw no change, else recomputed. */
  async get(options: { lease: boolean } = { lease: true }): Promise<WorkspaceDiff> {
    if (options.lease) this.renewLease();
    await this.watch();
    if (this.current && !this.dirty && !this.computing) {
      const now = await gitFingerprint(this.target.workDir);
      if (now.state === this.fingerprint?.state) return this.current;
      this.dirty = true;
    }
    return this.computing ?? this.recompute();
  }

  subscribe(listener: (message: DiffMessage) => void): () => void {
    this.listeners.add(listener);
    void this.watch();
    return () => {
      this.listeners.delete(listener);
      if (this.idle) void this.unwatch();
    };
  }

  /** The workspace stopped: listeners are told, and the watch ends. */
  async close(reason: string): Promise<void> {
    this.closed = true;
    for (const listener of this.listeners) listener({ type: 'end', reason });
    this.listeners.clear();
    clearTimeout(this.lease);
    this.lease = undefined;
    await this.unwatch();
  }

  private renewLease(): void {
    clearTimeout(this.lease);
    this.lease = setTimeout(() => {
      this.lease = undefined;
      if (this.idle) void this.unwatch();
    }, this.options.leaseMs);
    this.lease.unref();
  }

  private async watch(): Promise<void> {
    if (this.closed) return;
    if (!this.subscription) {
      this.dirty = true;
      const subscription = this.subscribeTree();
      this.subscription = subscription;
      this.poll = setInterval(() => void this.checkFingerprint(), this.options.pollMs);
      this.poll.unref();
      // The first recompute once the watch is on, so that no change in between goes unseen.
      if (this.listeners.size > 0)
        void subscription
          .then(() => (this.subscription === subscription && !this.computing ? this.recompute() : undefined))
          .catch(() => undefined);
    }
    await this.subscription;
  }

  /** The tree watch, or @parcel/watcher's for a tree with very many directories. */
  private async subscribeTree(): Promise<Subscription | undefined> {
    const tree = new TreeWatch(
      this.target.workDir,
      {
        ignore: (dir) => IGNORED.some((ignored) => dir === ignored || dir.startsWith(`${ignored}/`)),
        maxDirectories: MAX_WATCHED_DIRECTORIES,
        onOverflow: () => this.fallBack(),
      },
      (paths) => this.reported(paths),
    );
    try {
      await tree.start();
      return { unsubscribe: async () => tree.close() };
    } catch {
      return this.subscribeParcel();
    }
  }

  private async subscribeParcel(): Promise<Subscription | undefined> {
    const { workDir } = this.target;
    // Loaded only for a tree this large: most servers never need it.
    const { default: watcher } = await import('@parcel/watcher');
    return watcher
      .subscribe(
        workDir,
        (error, events) => {
          if (error) {
            this.wholeTree = true;
            return this.changed();
          }
          this.reported(events.map((e) => relativePath(workDir, e.path) ?? ''));
        },
        { ignore: IGNORED },
      )
      .catch(() => undefined);
  }

  /** The tree grew past what the tree watch takes: @parcel/watcher's instead, and the whole tree again. */
  private fallBack(): void {
    const before = this.subscription;
    if (!before) return;
    const next: Promise<Subscription | undefined> = before.then(async (old) => {
      await old?.unsubscribe().catch(() => undefined);
      const parcel = await this.subscribeParcel();
      if (this.subscription === next) return parcel;
      await parcel?.unsubscribe().catch(() => undefined);
      return undefined;
    });
    this.subscription = next;
    this.wholeTree = true;
    this.changed();
  }

  /** Paths the watch reported, relative to the tree ('' for the tree itself). */
  private reported(paths: string[]): void {
    let tree = false;
    for (const path of paths) {
      if (path !== '' && isGitPath(path)) continue;
      tree = true;
      this.note(path === '' ? undefined : path);
    }
    if (tree) this.changed();
    else void this.checkFingerprint();
  }

  private async unwatch(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = undefined;
    clearInterval(this.poll);
    clearTimeout(this.debounce);
    this.debounce = undefined;
    this.current = undefined;
    this.result = undefined;
    this.fingerprint = undefined;
    this.dirty = true;
    this.wholeTree = true;
    this.changedPaths.clear();
    await (await subscription)?.unsubscribe().catch(() => undefined);
  }

  /** A work-tree path the watch reported (undefined: not one it can name). */
  private note(path: string | undefined): void {
    if (this.wholeTree) return;
    if (
      path === undefined ||
      path.includes('\uFFFD') ||
      /(^|\/)\.git(ignore|attributes|modules)$/.test(path) ||
      this.changedPaths.size >= MAX_SCOPE_PATHS
    ) {
      this.wholeTree = true;
      this.changedPaths.clear();
      return;
    }
    this.changedPaths.add(path);
  }

  private async checkFingerprint(): Promise<void> {
    if (!this.fingerprint || this.computing) return;
    const now = await gitFingerprint(this.target.workDir);
    if (now.state !== this.fingerprint?.state) this.changed();
  }

  private changed(): void {
    this.dirty = true;
    const now = performance.now();
    // After a quiet spell, at once (a lone save); in a burst, when it pauses or after maxWaitMs.
    const quiet = !this.debounce && !this.computing && now - this.lastChangeAt > this.options.quietMs;
    this.lastChangeAt = now;
    if (!this.debounce && !this.firstChangeAt) this.firstChangeAt = now;
    clearTimeout(this.debounce);
    const wait = quiet
      ? 0
      : Math.min(this.options.quietMs, this.firstChangeAt + this.options.maxWaitMs - now);
    this.debounce = setTimeout(
      () => {
        this.debounce = undefined;
        if (this.computing) return; // the running recompute starts another when it ends
        void this.recompute().catch(() => undefined);
      },
      Math.max(0, wait),
    );
  }

  private recompute(): Promise<WorkspaceDiff> {
    const run = this.compute().finally(() => {
      this.computing = undefined;
      if (this.dirty && this.subscription && !this.closed) this.changed();
    });
    this.computing = run;
    run.catch((error: unknown) => {
      for (const listener of this.listeners) listener({ type: 'error', message: (error as Error).message });
    });
    return run;
  }

  private async compute(): Promise<WorkspaceDiff> {
    this.dirty = false;
    const started = performance.now();
    const timings: DiffTimings = {
      kind: 'full',
      paths: 0,
      queuedMs: this.firstChangeAt ? started - this.firstChangeAt : 0,
      fingerprintMs: 0,
      configMs: 0,
      spawnMs: 0,
      firstByteMs: 0,
      gitMs: 0,
      parseMs: 0,
      totalMs: 0,
    };
    this.firstChangeAt = 0;
    const changed = this.changedPaths;
    const whole = this.wholeTree;
    this.changedPaths = new Set();
    this.wholeTree = false;
    try {
      const fingerprint = await gitFingerprint(this.target.workDir);
      timings.fingerprintMs = performance.now() - started;
      const { sandbox } = this.target;
      if (this.configNames?.key !== fingerprint.config) {
        const out = await runSandboxGit(sandbox, { script: 'configNames', args: ['repo'] });
        this.configNames = { key: fingerprint.config, names: out.split('\n').filter(Boolean) };
        timings.configMs = performance.now() - started - timings.fingerprintMs;
      }
      const previous = fingerprint.state === this.fingerprint?.state && !whole ? this.result : undefined;
      if (previous && this.current && changed.size === 0) {
        // Only git's own files changed (objects, logs), or a GET found nothing new.
        return this.current;
      }
      let result: LiveResult | undefined;
      const scope = previous?.repository && !previous.cutByTotal ? this.scope(previous, changed) : undefined;
      if (previous && scope) {
        timings.kind = 'paths';
        timings.paths = scope.length;
        result = await this.run(scope, previous, timings).catch((error: unknown) => {
          if (vanishedPath(error)) return undefined; // the whole tree then, as it is now
          throw error;
        });
      }
      if (!result) {
        timings.kind = 'full';
        // A full run is never given up (only a paths run that the total cap cut is).
        result = (await this.runWhole(timings)) as LiveResult;
      }
      this.recomputes++;
      if (timings.kind === 'full') this.fullRecomputes++;
      this.fingerprint = fingerprint;
      this.result = result;
      return this.publish(result, timings, started);
    } catch (error) {
      this.wholeTree = true; // what changed was not taken into account
      throw error;
    }
  }

  /**
   * The paths an incremental run must diff: what changed, plus every path
   * of the last result that git's rename detection may pair (all but plain
   * modifications), so that renames come out as a full run finds them.
   * Undefined when there are too many for the command line.
   */
  private scope(previous: LiveResult, changed: ReadonlySet<string>): string[] | undefined {
    const scope = new Set(changed);
    for (const file of previous.files) {
      if (file.status === 'modified') continue;
      scope.add(file.path);
      if (file.oldPath !== null) scope.add(file.oldPath);
    }
    if (scope.size > MAX_SCOPE_PATHS) return undefined;
    const paths = [...scope];
    const bytes = paths.reduce((n, p) => n + Buffer.byteLength(p) + 1, 0);
    return bytes > MAX_SCOPE_BYTES ? undefined : paths;
  }

  /**
   * A run of the whole tree, run again when a file git listed as untracked
   * was gone by the time it marked it (`git add -N` fails on a vanished
   * pathspec): the tree moves under git while people and agents work, and
   * that is no error of the workspace. Any other failure is reported.
   */
  private async runWhole(timings: DiffTimings): Promise<LiveResult | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.run(undefined, undefined, timings);
      } catch (error) {
        if (!vanishedPath(error) || attempt >= VANISHED_RETRIES) throw error;
      }
    }
  }

  /** One run of git in the sandbox: the whole tree, or only `scope` merged into `previous`. */
  private async run(
    scope: string[] | undefined,
    previous: LiveResult | undefined,
    timings: DiffTimings,
  ): Promise<LiveResult | undefined> {
    const { sandbox } = this.target;
    const inScope = scope && pathMatcher(scope);
    const kept =
      previous && inScope
        ? previous.files.filter((f) => !inScope(f.path) && !(f.oldPath !== null && inScope(f.oldPath)))
        : [];
    const keptBytes = kept.reduce((n, f) => n + Buffer.byteLength(f.patch), 0);
    const parser = new PatchParser(this.options.caps, untrackedOf, keptBytes);
    const timing: SandboxGitTiming = { spawnMs: 0, firstByteMs: 0, exitMs: 0 };
    let parseMs = 0;
    const startedAt = performance.now();
    await runSandboxGit(sandbox, {
      script: scope ? 'paths' : 'live',
      args: scope && previous ? [previous.head ?? '-', previous.base, ...scope] : [],
      configNames: this.configNames?.names ?? [],
      timing,
      onStdout: (chunk) => {
        const t = performance.now();
        parser.push(chunk);
        parseMs += performance.now() - t;
      },
    });
    const t = performance.now();
    const parsed = parser.end();
    parseMs += performance.now() - t;
    timings.spawnMs += timing.spawnMs;
    timings.firstByteMs += timing.firstByteMs;
    timings.gitMs += performance.now() - startedAt - parseMs;
    timings.parseMs += parseMs;
    // The total cap cut a patch: which ones depends on the order, so a full run decides.
    if (scope && parsed.cutByTotal) return undefined;
    const repository = parsed.prelude[0] === 'repo';
    const head = repository && parsed.prelude[1] !== '-' ? (parsed.prelude[1] ?? null) : null;
    const files = [...kept, ...parsed.files].sort(byPath);
    return {
      repository,
      head,
      base: parsed.prelude[2] ?? '',
      files,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      truncated: files.some((f) => f.truncated),
      cutByTotal: parsed.cutByTotal,
    };
  }

  /** The diff of a result (the current one when nothing a client sees changed), sent to listeners. */
  private publish(result: LiveResult, timings: DiffTimings, started: number): WorkspaceDiff {
    const { repository, head, files, additions, deletions, truncated } = result;
    const etag = createHash('sha1')
      .update(JSON.stringify({ repository, head, files }))
      .digest('base64url')
      .slice(0, 20);
    this.lastTimings = timings;
    if (this.current?.etag === etag) {
      timings.totalMs = performance.now() - started;
      this.lastComputeMs = timings.totalMs;
      return this.current;
    }
    const diff: WorkspaceDiff = {
      workspaceId: this.target.workspaceId,
      repository,
      head,
      etag,
      computedAt: new Date().toISOString(),
      additions,
      deletions,
      truncated,
      files,
    };
    this.current = diff;
    timings.totalMs = performance.now() - started;
    this.lastComputeMs = timings.totalMs;
    for (const listener of this.listeners) listener({ type: 'diff', diff });
    return diff;
  }
}

/** Whether a path is one of `paths` or under one of them. */
function pathMatcher(paths: readonly string[]): (path: string) => boolean {
  const set = new Set(paths);
  return (path) => {
    if (set.has(path)) return true;
    for (let i = path.indexOf('/'); i > 0; i = path.indexOf('/', i + 1))
      if (set.has(path.slice(0, i))) return true;
    return false;
  };
}

/** Paths in a fixed order (UTF-16 code units), so that equal diffs have equal etags. */
function byPath(a: FileDiff, b: FileDiff): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** A watched path relative to the work tree; undefined for the tree itself or a path outside it. */
function relativePath(workDir: string, path: string): string | undefined {
  if (!path.startsWith(`${workDir}/`)) return undefined;
  const rest = path.slice(workDir.length + 1);
  return rest === '' ? undefined : rest;
}

function isGitPath(path: string): boolean {
  return path === '.git' || path.startsWith('.git/');
}

/** Git failed because a path it had listed was gone when it came to mark it. */
function vanishedPath(error: unknown): boolean {
  return error instanceof SandboxGitError && /did not match any file/.test(error.stderr);
}
