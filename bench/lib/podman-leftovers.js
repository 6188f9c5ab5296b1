// Podman containers that outlived their workspace. Containers belong to
// podman, not to the server process: a stopped one shows up in no process
// list, so the benchmark asks podman for the ones labelled with its
// workspaces' ids (label `hangar.workspace`, set by the podman driver).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LABEL = 'hangar.workspace';
const PODMAN_TIMEOUT_MS = 30_000;

/**
 * @param {ReadonlySet<string>} workspaceIds
 * @returns {Promise<string[]>} names of the containers, in any state, of those workspaces
 */
export async function podmanContainersOf(workspaceIds) {
  const { stdout } = await run('podman', ['ps', '--all', '--filter', `label=${LABEL}`, '--format', 'json'], {
    timeout: PODMAN_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  /** @type {unknown} */
  const containers = JSON.parse(stdout || '[]');
  if (!Array.isArray(containers)) throw new Error('podman ps: not a list');
  return containers.flatMap((/** @type {unknown} */ c) => {
    if (typeof c !== 'object' || c === null) return [];
    const { Names: names, Labels: labels } = /** @type {{ Names?: unknown, Labels?: unknown }} */ (c);
    const id =
      labels && typeof labels === 'object'
        ? /** @type {Record<string, unknown>} */ (labels)[LABEL]
        : undefined;
    if (typeof id !== 'string' || !workspaceIds.has(id)) return [];
    return Array.isArray(names) ? names.filter((n) => typeof n === 'string') : [];
  });
}

/** @param {string[]} names containers found by podmanContainersOf() */
export async function removePodmanContainers(names) {
  if (names.length === 0) return;
  await run('podman', ['rm', '--force', '--time=0', '--', ...names], { timeout: PODMAN_TIMEOUT_MS });
}
