import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromBuffer, type Entry } from 'yauzl';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from './server.js';
import { createWorkspace } from './workspaces.js';

import { bwrapMissing } from './requirements.js';

export { bwrapMissing };
if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

/** A real server (SQLite) with bubblewrap workspaces, for the files API tests. */
export class FilesTestbed {
  server!: TestServer;
  admin!: TestClient;
  private readonly dataDir = mkdtempSync(join(tmpdir(), 'hangar-files-'));
  private readonly workspaces: { id: string; name: string }[] = [];

  async start(): Promise<void> {
    this.server = await startTestServer({
      dataDir: this.dataDir,
      env: {
        HANGAR_DEFAULT_TEMPLATE: 'offline',
        // Each test file its own uids, so parallel files never share one.
        HANGAR_SANDBOX_UID_BASE: String(1_000_000 + Math.floor(Math.random() * 990) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
      },
    });
    this.admin = await setupAdmin(this.server);
  }

  /** Creates a running workspace and returns its id. */
  async workspace(name: string): Promise<string> {
    const res = await createWorkspace(this.admin, { name });
    if (res.body.state !== 'running') throw new Error(`workspace ${name} is ${res.body.state}`);
    this.workspaces.push({ id: res.body.id, name });
    return res.body.id as string;
  }

  /** The workspace folder on the host. */
  work(id: string): string {
    return join(this.dataDir, 'workspaces', id, 'work');
  }

  async uidOf(id: string): Promise<number> {
    return Number((await this.server.services.workspaces.repo.find(id))!.uid);
  }

  async stop(): Promise<void> {
    for (const { id, name } of this.workspaces)
      await this.admin?.request('DELETE', `/api/workspaces/${id}`, { confirm: name });
    await this.server?.services.workspaces.settle();
    await this.server?.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export const filesUrl = (id: string, suffix = '', query: Record<string, string> = {}) => {
  const search = new URLSearchParams(query).toString();
  return `/api/workspaces/${id}/files${suffix}${search ? `?${search}` : ''}`;
};

/** POSTs files as multipart/form-data, as a browser would. */
export async function upload(
  client: TestClient,
  url: string,
  files: Record<string, string | Uint8Array<ArrayBuffer>>,
): Promise<{ status: number; body: { error?: { id: string }; files?: { path: string }[] } }> {
  const form = new FormData();
  for (const [name, content] of Object.entries(files)) form.append('file', new Blob([content]), name);
  const headers: Record<string, string> = {};
  if (client.cookie) headers.cookie = client.cookie;
  if (client.origin) headers.origin = client.origin;
  const res = await fetch(new URL(url, client.baseUrl), { method: 'POST', body: form, headers });
  return { status: res.status, body: (await res.json()) as never };
}

/** Fetches raw bytes (downloads) with the client's cookie. */
export async function fetchBytes(client: TestClient, url: string) {
  const res = await fetch(new URL(url, client.baseUrl), { headers: { cookie: client.cookie ?? '' } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** Unzips into a map of entry name → content ('' for directories). */
export function unzip(bytes: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('no zip'));
      const entries = new Map<string, string>();
      zip.on('entry', (entry: Entry) => {
        if (entry.fileName.endsWith('/')) {
          entries.set(entry.fileName, '');
          return zip.readEntry();
        }
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            entries.set(entry.fileName, Buffer.concat(chunks).toString());
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(entries));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}
