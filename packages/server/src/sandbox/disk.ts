import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Bytes used under the given directories (apparent size of files, as `du -sb` counts). */
export async function diskUsage(paths: string[]): Promise<number> {
  if (paths.length === 0) return 0;
  let stdout: string;
  try {
    ({ stdout } = await run('du', ['-sb', '--', ...paths], { maxBuffer: 1024 * 1024 }));
  } catch (error) {
    // du exits non-zero when a path is missing or unreadable; it still prints what it measured.
    stdout = (error as { stdout?: string }).stdout ?? '';
  }
  return stdout
    .trim()
    .split('\n')
    .reduce((sum, line) => sum + (Number.parseInt(line, 10) || 0), 0);
}
