import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { BubblewrapDriver } from '../../sandbox/bubblewrap/index.js';
import type { SandboxDriver } from '../../sandbox/driver.js';
import { KubeApi, NAMESPACES, PODS } from './api.js';
import { startControllers } from './controllers.js';
import { Kubelet } from './kubelet.js';
import type { HangarBridge } from './network.js';
import { authorized, handle, parsePath, sendJson } from './routes.js';
import { badRequest, internalError, KubeError, unauthorized } from './status.js';
import { ObjectStore } from './store.js';
import { StreamServer } from './streams.js';
import { makeCertificates } from './tls.js';

export interface KubeTestServerOptions {
  /** Changes kept for watches to start from; older starts get 410 Expired. Default 1000. */
  watchHistory?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK, in ms. Default 5000. */
  bookmarkIntervalMs?: number;
  /**
   * Where pods reach Hangar (a directory with `hangar.sock`, and the port it appears on inside).
   * With it, pods' networks follow the NetworkPolicies that select them (network.ts); without
   * it every pod's network is `none`.
   */
  hangar?: HangarBridge;
  /** Sandbox uids for pods without runAsUser start here. */
  uidBase?: number;
}

export interface KubeTestServer {
  /** https://127.0.0.1:<port> */
  url: string;
  /** A kubeconfig (context `kube-test`, namespace `default`) with the CA and the token. */
  kubeconfigPath: string;
  token: string;
  /** The CA certificate (PEM) the server's certificate is signed by. */
  ca: string;
  /** Host directory of the server's files: `volumes/pvc-<uid>` per claim, `pods/<uid>` per pod. */
  root: string;
  driver: SandboxDriver;
  close(): Promise<void>;
}

/**
 * A Kubernetes API server for tests: the REST API of the resources a sandbox driver uses, over
 * HTTPS with a bearer token, whose pods really run, each as a bubblewrap sandbox (see kubelet.ts).
 */
export async function startKubeTestServer(options: KubeTestServerOptions = {}): Promise<KubeTestServer> {
  const root = await mkdtemp(join(tmpdir(), 'hangar-kube-'));
  const certificates = await makeCertificates(root);
  const token = randomBytes(24).toString('hex');
  const stateRoot = join(root, 'sandbox-state');
  const driver = new BubblewrapDriver({ stateRoot });
  const store = new ObjectStore(options.watchHistory ?? 1000);
  const api = new KubeApi(store);
  api.bookmarkIntervalMs = options.bookmarkIntervalMs ?? 5_000;
  const stopControllers = startControllers(api);
  const kubelet = new Kubelet(api, {
    driver,
    root,
    stateRoot,
    uidBase: options.uidBase ?? 45_000 + (process.pid % 1000) * 20,
    ...(options.hangar && { hangar: options.hangar }),
    nodeName: 'kube-test-node',
  });
  const streams = new StreamServer(kubelet);
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
    api.create(NAMESPACES, undefined, { metadata: { name } });

  const server = createServer({ key: certificates.key, cert: certificates.cert }, (req, res) => {
    void handle(api, kubelet, token, req, res).catch((error: unknown) => {
      const status = error instanceof KubeError ? error : internalError(String(error));
      if (!res.headersSent) sendJson(res, status.status.code, status.status);
      else res.end();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    void (async () => {
      if (!authorized(req, token)) throw unauthorized();
      const route = parsePath(new URL(req.url ?? '/', 'https://x'));
      if (
        route.resource !== PODS ||
        !route.namespace ||
        !route.name ||
        !['exec', 'attach'].includes(route.subresource ?? '')
      )
        throw badRequest('the server does not support an upgrade of this request');
      await streams.upgrade(
        {
          kind: route.subresource as 'exec' | 'attach',
          namespace: route.namespace,
          name: route.name,
          query: route.query,
        },
        req,
        socket,
        head,
      );
    })().catch((error: unknown) => {
      const status = (error instanceof KubeError ? error : internalError(String(error))).status;
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${status.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const kubeconfigPath = join(root, 'kubeconfig');
  await writeFile(kubeconfigPath, kubeconfig(url, certificates.ca, token), { mode: 0o600 });

  return {
    url,
    kubeconfigPath,
    token,
    ca: certificates.ca,
    root,
    driver,
    async close() {
      streams.close();
      stopControllers();
      await kubelet.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** kubeconfig as JSON (which is YAML): one cluster with the CA's certificate-authority-data, one token user. */
function kubeconfig(server: string, ca: string, token: string): string {
  return JSON.stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'kube-test',
          cluster: { server, 'certificate-authority-data': Buffer.from(ca).toString('base64') },
        },
      ],
      users: [{ name: 'kube-test', user: { token } }],
      contexts: [
        { name: 'kube-test', context: { cluster: 'kube-test', user: 'kube-test', namespace: 'default' } },
      ],
      'current-context': 'kube-test',
      preferences: {},
    },
    null,
    2,
  );
}
