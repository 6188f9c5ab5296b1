import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../package-root.js';

/** Where Hangar's own commands (hangar-chat) appear inside every sandbox, read-only; on its PATH. */
export const SANDBOX_BIN_DIR = '/hangar/bin';

/** The host directory holding them, in src/ (scripts are not compiled). */
export function hostSandboxBinDir(): string | undefined {
  const dir = join(PACKAGE_ROOT, 'src', 'services', 'chat', 'sandbox-bin');
  return existsSync(dir) ? dir : undefined;
}

/** The bind that shows them inside a sandbox. */
export function sandboxBinBinds() {
  const dir = hostSandboxBinDir();
  return dir ? [{ hostPath: dir, sandboxPath: SANDBOX_BIN_DIR, readOnly: true }] : [];
}
