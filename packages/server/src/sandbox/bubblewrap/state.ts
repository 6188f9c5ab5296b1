import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { isAlive, JOINABLE_NAMESPACES, signal, waitUntil } from './proc.js';

/** The file in a sandbox's stateDir that says which processes are the sandbox. */
export const RECORD_FILE = 'bubblewrap.json';

const processRefSchema = z.object({
  pid: z.number().int().positive(),
  startTime: z.number().int().nonnegative(),
});

const recordSchema = z.object({
  id: z.string(),
  init: processRefSchema,
  monitor: processRefSchema,
  /** The sandbox's mount namespace (`mnt:[inode]`): every process inside, and every joining nsenter, is in it. */
  mountNamespace: z.string(),
  /** The namespaces the sandbox does not share with the host, which a joining process enters. */
  namespaces: z.array(z.enum(JOINABLE_NAMESPACES)),
  /** How the ids were mapped (see idmap.ts): decides how a process joins. */
  idMode: z.enum(['root', 'subordinate-ids', 'single-id']),
  /** The sandbox user's ids inside (in mode `root`, also on the host). */
  uid: z.number().int(),
  gid: z.number().int(),
  cgroups: z.array(z.string()),
  /** With network `full`: slirp4netns, ended with the sandbox. */
  network: processRefSchema.optional(),
  /** With network `full`: the egress namespace's slirp4netns (see network.ts), ended with the sandbox. */
  egress: processRefSchema.optional(),
});

export type SandboxRecord = z.infer<typeof recordSchema>;

export async function readRecord(stateDir: string): Promise<SandboxRecord | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, RECORD_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = recordSchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data : undefined;
}

/** Writes the record atomically (a crash leaves the old record or the new one, never half of it). */
export async function writeRecord(stateDir: string, record: SandboxRecord): Promise<void> {
  const path = join(stateDir, RECORD_FILE);
  await writeFile(`${path}.tmp`, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

export async function removeRecord(stateDir: string): Promise<void> {
  await rm(join(stateDir, RECORD_FILE), { force: true });
}

/**
 * The host bwrap of a start in progress, written as soon as it runs: if the
 * server dies before the record is written, the next start or stop of the
 * sandbox finds it and kills it (it and the sandbox share a process group).
 */
const LAUNCH_FILE = 'launching.json';

export async function readLaunch(stateDir: string): Promise<z.infer<typeof processRefSchema> | undefined> {
  const text = await readFile(join(stateDir, LAUNCH_FILE), 'utf8').catch(() => undefined);
  const parsed = processRefSchema.safeParse(text === undefined ? undefined : safeJson(text));
  return parsed.success ? parsed.data : undefined;
}

export async function writeLaunch(
  stateDir: string,
  monitor: z.infer<typeof processRefSchema>,
): Promise<void> {
  await writeFile(join(stateDir, LAUNCH_FILE), JSON.stringify(monitor), { mode: 0o600 });
}

export async function removeLaunch(stateDir: string): Promise<void> {
  await rm(join(stateDir, LAUNCH_FILE), { force: true });
}

/** Kills what a start the server did not finish left running, and forgets it. */
export async function killLaunch(stateDir: string): Promise<void> {
  const monitor = await readLaunch(stateDir);
  if (monitor && (await isAlive(monitor))) {
    signal(-monitor.pid, 'SIGKILL');
    if (!(await waitUntil(async () => !(await isAlive(monitor)), 10_000))) {
      throw new Error(`the bwrap process ${monitor.pid} of an unfinished start did not end`);
    }
  }
  await removeLaunch(stateDir);
}

/**
 * Records under the state root: in its subdirectories and theirs (stateDir
 * is `<root>/<id>`, or one level deeper), so a restarted server finds the
 * sandboxes it left.
 */
export async function findRecords(stateRoot: string, depth = 2): Promise<SandboxRecord[]> {
  let entries;
  try {
    entries = await readdir(stateRoot, { withFileTypes: true });
  } catch {
    return [];
  }
  const records: SandboxRecord[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const dir = join(stateRoot, entry.name);
    const record = await readRecord(dir);
    if (record) records.push(record);
    else if (depth > 1) records.push(...(await findRecords(dir, depth - 1)));
  }
  return records;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
