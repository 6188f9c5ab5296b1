import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Files of the data dir that hold secrets (the database's are added from its URL). */
const SECRET_FILES = ['secret.key', 'setup-url'];

/**
 * Makes the data dir private to the server's user before anything is read from it: no group or
 * other permission on the dir (0700), the secret key, the setup link and a SQLite database with
 * its -wal and -shm (0600), `workspaces/` and each workspace's own dir (0700), so no other user
 * of the host can traverse to a workspace's files. Sandboxes reach their dirs through bind
 * mounts made as root, never by walking this path. Refuses to start, saying what to fix, when
 * the dir belongs to another user or its modes cannot be set (a file system without Unix modes).
 */
export function secureDataDir(dataDir: string, databaseUrl: string): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const uid = process.getuid?.();
  const owner = statSync(dataDir).uid;
  if (uid !== undefined && owner !== uid)
    throw new Error(
      `The data dir ${dataDir} belongs to uid ${owner}, not to this server (uid ${uid}): ` +
        `chown -R ${uid} ${dataDir}, or run Hangar as its owner.`,
    );
  tighten(dataDir);

  const workspaces = join(dataDir, 'workspaces');
  mkdirSync(workspaces, { mode: 0o700, recursive: true });
  tighten(workspaces);
  for (const entry of readdirSync(workspaces, { withFileTypes: true }))
    if (entry.isDirectory()) tighten(join(workspaces, entry.name));

  const database = sqlitePath(databaseUrl);
  // SQLite makes its -wal and -shm files with the database file's mode: create it 0600 first.
  if (database && !existsSync(database)) {
    mkdirSync(dirname(database), { recursive: true, mode: 0o700 });
    writeFileSync(database, '', { mode: 0o600, flag: 'wx' });
  }
  const files = [
    ...SECRET_FILES.map((name) => join(dataDir, name)),
    ...(database ? [database, `${database}-wal`, `${database}-shm`] : []),
  ];
  for (const file of files) if (existsSync(file)) tighten(file);
}

/** Takes every permission of group and others away (the owner's stay), and checks that it held. */
function tighten(path: string): void {
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) === 0) return;
  const wanted = (mode & 0o700).toString(8);
  try {
    chmodSync(path, mode & 0o700);
  } catch (error) {
    throw new Error(
      `Cannot make ${path} private (mode ${wanted}): ${(error as Error).message}. ` +
        `Run Hangar as the owner of its data dir, or chmod go-rwx ${path}.`,
      { cause: error },
    );
  }
  if ((statSync(path).mode & 0o077) !== 0)
    throw new Error(
      `${path} stays open to other users after chmod go-rwx (a file system without Unix modes?): ` +
        `put the data dir (HANGAR_DATA_DIR) on a file system that keeps them.`,
    );
}

/** The file of a `sqlite:` database URL; undefined for PostgreSQL and `sqlite::memory:`. */
function sqlitePath(databaseUrl: string): string | undefined {
  if (!databaseUrl.startsWith('sqlite:')) return undefined;
  const path = databaseUrl.slice('sqlite:'.length);
  return path === ':memory:' ? undefined : path;
}
