import { EventEmitter } from 'node:events';
import type { SpawnedChild } from '../../sandbox/spawner.js';

/**
 * An agent's command as its adapter sees it: the process Hangar starts is often a wrapper (the
 * sandbox's enter helper, nsenter, an agent CLI's own launcher) whose child is the agent. The
 * agent's end is the end of the whole tree: 'exit' and 'close' come once the wrapper exited
 * and nothing of its tree holds the output any more (its protocol stream ended), never at the
 * wrapper's exit alone. Until then `exitCode` and `signalCode` stay null, so a stop still waits
 * for (and, after its grace time, kills) the process group.
 *
 * When the wrapper exits while the output stays open, `onOrphaned` is called: the agent works on,
 * but can no longer be written to (stdin went with the wrapper), so its session decides when to
 * end the tree, with `endTree`.
 */
export class AgentChild extends EventEmitter implements SpawnedChild {
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  private closed = false;

  constructor(
    private readonly inner: SpawnedChild,
    onOrphaned: (child: AgentChild) => void,
  ) {
    super();
    inner.on('error', (error: unknown) => this.emit('error', error));
    inner.once('exit', () => {
      // 'close' follows at once when the output ended too: nothing was orphaned.
      setImmediate(() => {
        if (this.exitCode === null && this.signalCode === null && !this.closed) onOrphaned(this);
      });
    });
    inner.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.closed = true;
      this.exitCode = code;
      this.signalCode = signal;
      this.emit('exit', code, signal);
      this.emit('close', code, signal);
    });
  }

  get pid(): number | undefined {
    return this.inner.pid;
  }

  get stdin() {
    return this.inner.stdin;
  }

  get stdout() {
    return this.inner.stdout;
  }

  get stderr() {
    return this.inner.stderr;
  }

  get stdio(): readonly unknown[] {
    return this.inner.stdio;
  }

  unref(): void {
    this.inner.unref();
  }

  /** Whether the wrapper Hangar started has exited (the tree may live on). */
  get wrapperExited(): boolean {
    return this.inner.exitCode !== null || this.inner.signalCode !== null;
  }

  kill(signal?: NodeJS.Signals): boolean {
    return this.inner.kill(signal);
  }

  /** SIGKILLs the command's process group (it is spawned detached: the wrapper's tree). */
  endTree(): void {
    if (this.closed || this.inner.pid === undefined) return;
    try {
      process.kill(-this.inner.pid, 'SIGKILL');
    } catch {
      // the group is gone already; 'close' reports it
    }
  }
}
