import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../package-root.js';

/** Where agent CLIs appear inside every sandbox (read-only). */
export const SANDBOX_AGENTS_DIR = '/hangar/node_modules';

/** The monorepo's node_modules, where npm installed the agent CLIs. */
export function hostAgentsDir(): string | undefined {
  const dir = join(PACKAGE_ROOT, '..', '..', 'node_modules');
  return existsSync(dir) ? dir : undefined;
}

/** Why an agent package's entry file is missing from the host's node_modules, or undefined when it is there. */
export function missingAgentFile(pkg: string, file: string): string | undefined {
  const dir = hostAgentsDir();
  return dir && existsSync(`${dir}/${pkg}/${file}`)
    ? undefined
    : `${pkg} is not installed (npm install it in the Hangar monorepo)`;
}
