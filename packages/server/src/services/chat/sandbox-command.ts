import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Where Hangar's own commands (hangar-chat) appear inside every sandbox, read-only; on its PATH. */
export const SANDBOX_BIN_DIR = '/hangar/bin';

/** The host directory holding them: the same path from src/ and from dist/ (scripts are not compiled). */
export function hostSandboxBinDir(): string | undefined {
  const dir = fileURLToPath(new URL('../../../src/services/chat/sandbox-bin', import.meta.url));
  return existsSync(dir) ? dir : undefined;
}

/** The bind that shows them inside a sandbox. */
export function sandboxBinBinds() {
  const dir = hostSandboxBinDir();
  return dir ? [{ hostPath: dir, sandboxPath: SANDBOX_BIN_DIR, readOnly: true }] : [];
}
