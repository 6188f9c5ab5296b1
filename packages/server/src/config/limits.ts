import { readFileSync } from 'node:fs';

/** Streams allowed in total when the open-file limit cannot be read (1024 is a common soft limit). */
const FALLBACK_OPEN_FILES = 1024;

/**
 * The soft limit on open files of this process (RLIMIT_NOFILE), from
 * /proc/self/limits; Node raises the soft limit to the hard one at start.
 */
export function openFilesLimit(limitsText?: string): number {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return FALLBACK_OPEN_FILES;
    }
  }
  const soft = /^Max open files\s+(\S+)/m.exec(text)?.[1];
  if (soft === 'unlimited') return Number.MAX_SAFE_INTEGER;
  const value = Number(soft);
  return Number.isInteger(value) && value > 0 ? value : FALLBACK_OPEN_FILES;
}

/**
 * Default cap on long-lived streams of all users: half the descriptors, so
 * the other half stays for the database, sandboxes, terminals and ordinary
 * requests (health checks keep answering when every stream slot is taken).
 */
export function defaultStreamsTotal(openFiles = openFilesLimit()): number {
  return Math.max(16, Math.floor(Math.min(openFiles, 1_000_000) / 2));
}
