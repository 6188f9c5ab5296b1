import { cloneErrors } from './clone-policy.js';

/** Clones one user may have under way at once (each ties up a sandbox, a network and disk). */
export const CLONES_PER_USER = 2;

/**
 * Slots for clones under way, per user: one is taken when a workspace with a
 * git source is created (or retried) and given back when its provisioning
 * ends, however it ends. Beyond the cap: `too_many_clones` (429).
 */
export class CloneSlots {
  private readonly held = new Map<string, number>();

  constructor(readonly perUser = CLONES_PER_USER) {}

  /** Takes a slot or throws; returns its release, which may be called more than once. */
  take(userId: string): () => void {
    const count = this.held.get(userId) ?? 0;
    if (count >= this.perUser) throw cloneErrors.tooManyClones(this.perUser);
    this.held.set(userId, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.held.get(userId) ?? 1) - 1;
      if (left > 0) this.held.set(userId, left);
      else this.held.delete(userId);
    };
  }
}
