import type { ServerResponse } from 'node:http';
import type { KubeApi } from './api.js';
import { groupVersion, type KubeObject, type ResourceType } from './resources.js';
import { expired } from './status.js';
import type { StoreEvent } from './store.js';

/**
 * A `watch=true` request: newline-delimited JSON events, as the API server streams them.
 * Without a resourceVersion (or "0"), it starts with an ADDED event per object that matches;
 * with one, it replays every change after it, or, when that version is older than the history
 * kept, sends one ERROR event whose object is a 410 Expired Status and ends (as the watch cache
 * does). An object that stops matching the selectors is sent as DELETED, one that starts to as
 * ADDED.
 */
export function serveWatch(
  api: KubeApi,
  r: ResourceType,
  namespace: string | undefined,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const match = api.matcher(r, namespace, query);
  const matched = new Set<string>();
  const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
  const pending: StoreEvent[] = [];
  let live = false;
  const deliver = (event: StoreEvent) => {
    if (event.resource !== r) return;
    const { object } = event;
    const uid = object.metadata.uid;
    const now = event.type !== 'DELETED' && match(object);
    const was = matched.has(uid) || (event.type === 'DELETED' && match(object));
    if (now) matched.add(uid);
    else matched.delete(uid);
    if (now && was) send('MODIFIED', object);
    else if (now) send('ADDED', object);
    else if (was) send('DELETED', object);
  };
  const unsubscribe = api.store.subscribe((event) => (live ? deliver(event) : pending.push(event)));
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  res.flushHeaders();

  const requested = query.get('resourceVersion');
  let from: number;
  if (!requested || requested === '0') {
    from = api.store.currentRevision;
    for (const object of api.store.list(r, namespace).filter(match)) {
      matched.add(object.metadata.uid);
      send('ADDED', object);
    }
  } else {
    from = Number(requested);
    const history = Number.isInteger(from) ? api.store.since(from) : { expired: api.store.currentRevision };
    if ('expired' in history) {
      send('ERROR', expired(from, history.expired).status);
      unsubscribe();
      res.end();
      return;
    }
    // What existed at `from` (approximated by today's labels): what history does not create.
    const created = new Set(history.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.uid));
    for (const object of api.store.list(r, namespace).filter(match))
      if (!created.has(object.metadata.uid)) matched.add(object.metadata.uid);
    for (const event of history) deliver(event);
    from = Math.max(from, history.at(-1)?.revision ?? from);
  }
  for (const event of pending) if (event.revision > from) deliver(event);
  live = true;

  const timers: NodeJS.Timeout[] = [];
  if (query.get('allowWatchBookmarks') === 'true')
    timers.push(
      setInterval(() => {
        const bookmark: Partial<KubeObject> = {
          kind: r.kind,
          apiVersion: groupVersion(r),
          metadata: { resourceVersion: String(api.store.currentRevision) } as KubeObject['metadata'],
        };
        send('BOOKMARK', bookmark);
      }, api.bookmarkIntervalMs),
    );
  const timeout = Number(query.get('timeoutSeconds') ?? 0);
  if (timeout > 0) timers.push(setTimeout(() => res.end(), timeout * 1000));
  const stop = () => {
    unsubscribe();
    for (const timer of timers) clearTimeout(timer);
  };
  res.on('close', stop);
  res.on('finish', stop);
}
