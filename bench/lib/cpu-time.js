// CPU time of processes, read from /proc (Linux), to show where a benchmark's
// time goes. In seconds.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime: USER_HZ, 100 on Linux. */
const TICKS_PER_SECOND = 100;

/**
 * @param {number} pid
 * @returns {number} user + system CPU seconds the process has used; NaN once it is gone
 */
export function cpuSeconds(pid) {
  if (pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  let stat;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return Number.NaN;
  }
  // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/**
 * Starts measuring the CPU time of groups of processes.
 * @param {Record<string, readonly number[]>} groups  pids by group name
 * @returns {() => Record<string, number>} CPU seconds of each group since the start
 */
export function cpuMeter(groups) {
  const sum = (/** @type {readonly number[]} */ pids) =>
    pids.reduce((total, pid) => total + (cpuSeconds(pid) || 0), 0);
  const start = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids)]));
  return () =>
    Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, sum(pids) - (start[name] ?? 0)]));
}
