// What a benchmark may leave on the host, read from /proc: processes of the
// sandbox uid range, processes that name a directory of the run or work in
// it, and mounts under that directory. Linux only.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/**
 * @typedef {object} HostProcess
 * @property {number} pid
 * @property {number[]} uids     real, effective, saved and filesystem uid
 * @property {string} command    its command line, spaces between arguments
 */

/** @returns {HostProcess[]} every process this one can see, except itself */
export function listProcesses() {
  /** @type {HostProcess[]} */
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    // A process may exit between readdir and the reads below.
    const status = readOrUndefined(`/proc/${pid}/status`);
    const uidLine = status?.split('\n').find((line) => line.startsWith('Uid:'));
    if (!uidLine) continue;
    const uids = uidLine.slice(4).trim().split(/\s+/).map(Number);
    const command = (readOrUndefined(`/proc/${pid}/cmdline`) ?? '').split('\0').join(' ').trim();
    found.push({ pid, uids, command });
  }
  return found;
}

/**
 * @param {number} first  first uid of the range
 * @param {number} count  how many uids it has
 * @returns {HostProcess[]} processes with any of their uids in the range
 */
export function processesWithUidIn(first, count) {
  return listProcesses().filter((p) => p.uids.some((uid) => uid >= first && uid < first + count));
}

/**
 * @param {string} text  e.g. a temporary directory's path
 * @param {ReadonlySet<number>} except  pids to leave out (the server itself)
 * @returns {HostProcess[]}
 */
export function processesMentioning(text, except) {
  return listProcesses().filter((p) => !except.has(p.pid) && p.command.includes(text));
}

/**
 * @param {string} dir
 * @param {ReadonlySet<number>} except  pids to leave out
 * @returns {HostProcess[]} processes whose working directory is `dir` or below it
 */
export function processesIn(dir, except) {
  const prefix = path.resolve(dir);
  return listProcesses().filter((p) => {
    if (except.has(p.pid)) return false;
    let cwd;
    try {
      cwd = readlinkSync(`/proc/${p.pid}/cwd`);
    } catch {
      return false; // gone meanwhile, or not ours to see
    }
    return cwd === prefix || cwd.startsWith(`${prefix}/`);
  });
}

/**
 * @param {string} dir
 * @returns {string[]} mount points at or below `dir` in this mount namespace
 */
export function mountsUnder(dir) {
  const prefix = path.resolve(dir);
  const mountinfo = readOrUndefined('/proc/self/mountinfo') ?? '';
  return mountinfo
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((/** @type {string | undefined} */ point) => point !== undefined)
    .map((point) => point.replace(/\\([0-7]{3})/g, (_, octal) => String.fromCharCode(parseInt(octal, 8))))
    .filter((point) => point === prefix || point.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`));
}

/** @param {HostProcess} p */
export function describeProcess(p) {
  return `pid ${p.pid} (uid ${p.uids.join('/')}): ${p.command.slice(0, 160) || '?'}`;
}

/** @param {string} file */
function readOrUndefined(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
