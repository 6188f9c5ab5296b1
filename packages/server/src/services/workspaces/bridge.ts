import { chown, mkdir, rm } from 'node:fs/promises';
import { createConnection, createServer, type Server } from 'node:net';
import { join } from 'node:path';

export const BRIDGE_SOCKET = 'hangar.sock';

/**
 * The far end of the `hangar` network policy (and of `full`, in a sandbox with
 * a network of its own): a unix socket per workspace, in a directory the
 * sandbox sees, whose connections are piped to the server's own TCP port.
 * With `hangar`, the sandbox reaches Hangar through it and nothing else.
 */
export class HangarBridge {
  private readonly servers = new Map<string, Server>();

  /** @param serverPort the port the server listens on, known once it listens. */
  constructor(readonly serverPort: () => number) {}

  async open(workspaceId: string, dir: string, uid: number, gid: number): Promise<void> {
    if (this.servers.has(workspaceId)) return;
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await chown(dir, 0, gid).catch(() => undefined); // best effort when the server is not root
    const path = join(dir, BRIDGE_SOCKET);
    await rm(path, { force: true });
    const server = createServer((client) => {
      const upstream = createConnection({ host: '127.0.0.1', port: this.serverPort() });
      client.pipe(upstream).pipe(client);
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
      // Closing the bridge must not wait for a keep-alive connection from inside.
      server.once('close', () => {
        client.destroy();
        upstream.destroy();
      });
    });
    server.setMaxListeners(0);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    await chown(path, uid, gid).catch(() => undefined);
    this.servers.set(workspaceId, server);
  }

  async close(workspaceId: string): Promise<void> {
    const server = this.servers.get(workspaceId);
    if (!server) return;
    this.servers.delete(workspaceId);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.servers.keys()].map((id) => this.close(id)));
  }
}
