import type { SpawnedChild } from '../../sandbox/spawner.js';

/** SIGKILLs the agent's process group (it is spawned detached: the sandbox and all in it), else the child. */
export function killProcessGroup(child: SpawnedChild): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

/**
 * Closes the agent's stdin (the agent CLIs exit 0 on EOF) and waits for `exited`; kills its
 * process group if it has not exited after `graceMs`.
 */
export async function stopAgentProcess(
  child: SpawnedChild,
  exited: Promise<unknown>,
  graceMs: number,
): Promise<void> {
  child.stdin?.end();
  const timer = setTimeout(() => killProcessGroup(child), graceMs);
  await exited;
  clearTimeout(timer);
}
