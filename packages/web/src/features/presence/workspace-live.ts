import { PRESENCE_HEARTBEAT_SECONDS } from '@hangar/protocol';
import { isApiError } from '../../api/client';
import { presenceStreamUrl, sendPresenceHeartbeat } from '../../api/presence';
import { publishNotification } from '../notifications/notification-bus';

/** An event of the workspace's live stream; `open` and `error` when the connection (re)opens or drops. */
export interface LiveEvent {
  type: 'open' | 'error' | 'snapshot' | 'join' | 'update' | 'leave' | 'message' | 'message_updated';
  data: unknown;
}
type Listener = (event: LiveEvent) => void;

const NAMES = ['snapshot', 'join', 'update', 'leave', 'message', 'message_updated'] as const;

/** The panel this tab shows: the selected tab of the workspace's tools, as a lowercase name. */
export function currentPanel(): string | null {
  const selected = document.querySelector('.workspace-tools [role="tab"][aria-selected="true"]');
  const name = selected?.textContent
    ?.trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
  return name ? name.slice(0, 40) : null;
}

function newTabId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

interface Connection {
  listeners: Set<Listener>;
  /** Whether the stream is open now: a part of the page that subscribes later is told at once. */
  isOpen(): boolean;
  close(): void;
}
const connections = new Map<string, Connection>();

/**
 * One connection per tab for everything live on a workspace's page: this
 * tab's presence (kept up by heartbeats, and the panel it shows), the chat's
 * new messages and edits, and the user's notifications. Browsers allow only
 * about six connections to a server, shared by all tabs, so parts of the page
 * share this one instead of each opening its own. A listener that joins an
 * open connection gets `open` first, as if it had been there when it opened.
 * Returns the unsubscribe function; the connection closes with its last listener.
 */
export function subscribeWorkspaceLive(workspaceId: string, listener: Listener): () => void {
  let connection = connections.get(workspaceId);
  if (!connection) {
    connection = open(workspaceId);
    connections.set(workspaceId, connection);
  }
  const { listeners } = connection;
  listeners.add(listener);
  if (connection.isOpen()) {
    // After subscribe returns, like every other event; not if it already unsubscribed.
    queueMicrotask(() => {
      if (listeners.has(listener)) listener({ type: 'open', data: null });
    });
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && connections.get(workspaceId) === connection) {
      connections.delete(workspaceId);
      connection.close();
    }
  };
}

function open(workspaceId: string): Connection {
  const listeners = new Set<Listener>();
  const tab = newTabId();
  let panel = currentPanel();
  let source: EventSource | null = null;
  let closed = false;
  const emit = (event: LiveEvent) => {
    for (const listener of listeners) listener(event);
  };
  const connect = () => {
    source?.close();
    source = new EventSource(presenceStreamUrl(workspaceId, tab, panel));
    source.onopen = () => emit({ type: 'open', data: null });
    source.onerror = () => emit({ type: 'error', data: null });
    for (const name of NAMES) {
      source.addEventListener(name, (event) => {
        try {
          emit({ type: name, data: JSON.parse((event as MessageEvent<string>).data) });
        } catch {
          // not JSON: ignored
        }
      });
    }
    source.addEventListener('notification', (event) => {
      try {
        publishNotification(JSON.parse((event as MessageEvent<string>).data));
      } catch {
        // not JSON: ignored
      }
    });
  };
  const beat = () =>
    sendPresenceHeartbeat(workspaceId, tab, panel).catch((error: unknown) => {
      if (!closed && isApiError(error, 'not_found')) connect(); // the server let this tab go
    });
  connect();
  const timer = setInterval(() => void beat(), PRESENCE_HEARTBEAT_SECONDS * 1000);
  const observer = new MutationObserver(() => {
    const next = currentPanel();
    if (next === panel) return;
    panel = next;
    void beat();
  });
  observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['aria-selected'] });
  return {
    listeners,
    isOpen: () => source?.readyState === EventSource.OPEN,
    close() {
      closed = true;
      clearInterval(timer);
      observer.disconnect();
      source?.close();
    },
  };
}
