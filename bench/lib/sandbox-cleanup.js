// Ending a benchmarked server's workspaces and checking that nothing of their
// sandboxes is left: no process of the run's sandbox uid range, and none that
// names the run's data dir. Anything found is reported and killed by its PID.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeProcess, processesMentioning, processesWithUidIn } from './host-processes.js';
import { messageOf } from './samples.js';

/** Sandbox uids a benchmarked server may hand out from its base; more than any run creates at once. */
export const SANDBOX_UID_COUNT = 1000;
/** Longest wait for deleted workspaces to be gone, in ms. */
const DELETE_TIMEOUT_MS = 60_000;

/**
 * Throws unless no process has a uid of the range: the run must be alone in it.
 * @param {number} uidBase
 */
export function assertUidRangeFree(uidBase) {
  const [busy] = processesWithUidIn(uidBase, SANDBOX_UID_COUNT);
  if (busy) {
    throw new Error(
      `uids ${uidBase}..${uidBase + SANDBOX_UID_COUNT - 1} are in use (${describeProcess(busy)}); pass another --uid-base`,
    );
  }
}

/**
 * Deletes every workspace of the server (it is this run's own) and waits
 * until they are gone; one that failed to create is caught here too.
 * @param {import('./hangar-api.js').HangarApi} api
 */
export async function deleteAll(api) {
  const deadline = performance.now() + DELETE_TIMEOUT_MS;
  for (;;) {
    const left = await api.listWorkspaces();
    if (left.length === 0) return;
    if (performance.now() > deadline) {
      throw new Error(
        `still there ${DELETE_TIMEOUT_MS} ms after delete: ${left.map((w) => w.name).join(', ')}`,
      );
    }
    const toDelete = left.filter((w) => w.state !== 'deleting');
    await Promise.all(toDelete.map((w) => api.deleteWorkspace(w.id, w.name)));
    await sleep(20);
  }
}

/**
 * Deletes what is left, then checks that nothing of the sandboxes remains
 * (see leftovers()); any process found is reported and killed by its PID.
 * @param {import('./hangar-api.js').HangarApi} api
 * @param {import('./processes.js').Started} server
 * @param {string} dataDir
 * @param {number} uidBase
 * @returns {Promise<string[]>} problems
 */
export async function cleanUp(api, server, dataDir, uidBase) {
  /** @type {string[]} */
  const problems = [];
  try {
    await deleteAll(api);
  } catch (error) {
    problems.push(`deleting the workspaces: ${messageOf(error)}`);
  }
  const except = new Set([server.child.pid ?? -1]);
  // A sandbox's last processes may take a moment to be reaped after its deletion.
  const deadline = performance.now() + 5000;
  let left = leftovers(uidBase, dataDir, except);
  while (left.length > 0 && performance.now() < deadline) {
    await sleep(100);
    left = leftovers(uidBase, dataDir, except);
  }
  for (const p of left)
    problems.push(`left behind by a deleted workspace, now killed: ${describeProcess(p)}`);
  killAll(left);
  return problems;
}

/**
 * Processes of this run's sandboxes: a uid of the range (unused when the run
 * began), or the data dir in their command line.
 * @param {number} uidBase
 * @param {string} dataDir
 * @param {ReadonlySet<number>} except
 */
export function leftovers(uidBase, dataDir, except) {
  const byUid = processesWithUidIn(uidBase, SANDBOX_UID_COUNT).filter((p) => !except.has(p.pid));
  const byDir = processesMentioning(dataDir, except).filter((p) => !byUid.some((u) => u.pid === p.pid));
  return [...byUid, ...byDir];
}

/** @param {import('./host-processes.js').HostProcess[]} processes */
export function killAll(processes) {
  for (const p of processes) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
}
