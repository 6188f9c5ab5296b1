import type { IncomingMessage, ServerResponse } from 'node:http';
import { NAMESPACES, PODS, type DeleteOptions, type KubeApi } from './api.js';
import { checkFields } from './fields.js';
import type { Kubelet } from './kubelet.js';
import { apiGroupList, apiResourceList, findResource, type ResourceType } from './resources.js';
import { badRequest, methodNotAllowed, pathNotFound, unauthorized } from './status.js';
import { toTable, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

/** The API server's HTTP routes: discovery, and the REST verbs of every resource under /api/v1 and /apis/<group>/<version>. */

export function authorized(req: IncomingMessage, token: string): boolean {
  return req.headers.authorization === `Bearer ${token}`;
}

interface Route {
  resource?: ResourceType;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
}

/** /api/v1/… and /apis/<group>/<version>/…: [namespaces/<ns>/]<plural>[/<name>[/<subresource>]]. */
export function parsePath(url: URL): Route {
  const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [group, version, rest] =
    parts[0] === 'api' ? ['', parts[1], parts.slice(2)] : [parts[1] ?? '', parts[2], parts.slice(3)];
  const query = url.searchParams;
  if (!version) throw pathNotFound();
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    group + version !== '' &&
    findResource(group, version, rest[2]!)
  ) {
    const resource = findResource(group, version, rest[2]!)!;
    if (!resource.namespaced || rest.length > 5) throw pathNotFound();
    return { resource, namespace: rest[1], name: rest[3], subresource: rest[4], query };
  }
  const resource = findResource(group, version, rest[0] ?? '');
  if (!resource || rest.length > 3) throw pathNotFound();
  if (resource.namespaced && rest.length > 1) throw pathNotFound();
  return { resource, name: rest[1], subresource: rest[2], query };
}

export async function handle(
  api: KubeApi,
  kubelet: Kubelet,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://x');
  const method = req.method ?? 'GET';
  if (['/healthz', '/livez', '/readyz'].includes(url.pathname))
    return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
  if (url.pathname === '/version') return sendJson(res, 200, VERSION);
  if (!authorized(req, token)) throw unauthorized();
  if (url.pathname === '/api' || url.pathname === '/api/')
    return sendJson(res, 200, {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: req.headers.host ?? '' }],
    });
  if (url.pathname === '/apis' || url.pathname === '/apis/') return sendJson(res, 200, apiGroupList());
  const discovery = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/?$/.exec(url.pathname);
  if (discovery) {
    const [group, version] = discovery[1] ? ['', discovery[1]] : [discovery[2]!, discovery[3]!];
    const list = apiResourceList(group, version);
    if (list.resources.length === 0) throw pathNotFound();
    return sendJson(res, 200, list);
  }
  const group = /^\/apis\/([^/]+)\/?$/.exec(url.pathname);
  if (group) {
    const found = apiGroupList().groups.find((g) => g.name === group[1]);
    if (!found) throw pathNotFound();
    return sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...found });
  }
  const route = parsePath(url);
  const r = route.resource!;
  const ns = r.namespaced ? route.namespace : undefined;
  const query = route.query;
  if (r.namespaced && !route.namespace && route.name) throw pathNotFound();
  if (route.subresource === 'exec' || route.subresource === 'attach')
    throw badRequest('Upgrade request required');
  if (route.subresource === 'log' && r === PODS && method === 'GET') {
    return kubelet.logs(ns!, route.name!, query, res);
  }
  if (
    route.subresource &&
    route.subresource !== 'status' &&
    !(r === NAMESPACES && route.subresource === 'finalize')
  )
    throw pathNotFound();
  const sent = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? await readBody(req) : undefined;
  const body = method === 'POST' || method === 'PUT' ? await checkFields(r, sent, query, res) : sent;
  if (!route.name) {
    if (method === 'GET') {
      if (['true', '1'].includes(query.get('watch') ?? '')) return serveWatch(api, r, ns, query, res);
      const list = api.list(r, ns, query);
      if (wantsTable(req.headers.accept))
        return sendJson(
          res,
          200,
          toTable(
            r,
            list.items.map((item) => ({ ...item, apiVersion: list.apiVersion, kind: r.kind })),
            list.metadata.resourceVersion,
            query.get('includeObject'),
          ),
        );
      return sendJson(res, 200, list);
    }
    if (method === 'POST') return sendJson(res, 201, api.create(r, ns, body));
    if (method === 'DELETE')
      return sendJson(res, 200, api.deleteCollection(r, ns, query, deleteOptions(body, query)));
    throw methodNotAllowed();
  }
  switch (method) {
    case 'GET': {
      const object = api.store.mustGet(r, ns, route.name);
      if (wantsTable(req.headers.accept) && !route.subresource)
        return sendJson(
          res,
          200,
          toTable(r, [object], object.metadata.resourceVersion, query.get('includeObject')),
        );
      return sendJson(res, 200, object);
    }
    case 'PUT':
      return sendJson(res, 200, api.replace(r, ns, route.name, body, route.subresource));
    case 'PATCH':
      return sendJson(
        res,
        200,
        api.patch(r, ns, route.name, body, req.headers['content-type'] ?? '', route.subresource),
      );
    case 'DELETE': {
      if (route.subresource) throw methodNotAllowed();
      const result = api.delete(r, ns, route.name, deleteOptions(body, query));
      const gone =
        !api.store.get(r, ns, route.name) ||
        api.store.get(r, ns, route.name)!.metadata.uid !== result.metadata.uid;
      return sendJson(res, gone ? 200 : 202, result);
    }
    default:
      throw methodNotAllowed();
  }
}

function deleteOptions(body: unknown, query: URLSearchParams): DeleteOptions {
  const options = (typeof body === 'object' && body !== null ? body : {}) as DeleteOptions & {
    orphanDependents?: boolean;
  };
  const grace = query.get('gracePeriodSeconds');
  const policy = query.get('propagationPolicy');
  return {
    ...options,
    ...(grace !== null && { gracePeriodSeconds: Number(grace) }),
    ...(policy && { propagationPolicy: policy as DeleteOptions['propagationPolicy'] }),
    ...(options.orphanDependents && !options.propagationPolicy && { propagationPolicy: 'Orphan' }),
  };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw badRequest(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (${String(error)})`,
    );
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
  });
  res.end(text);
}

const VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2024-12-11T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};
