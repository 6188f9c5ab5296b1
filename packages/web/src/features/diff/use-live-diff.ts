import { workspaceDiff, type WorkspaceDiff } from '@hangar/protocol';
import { useEffect, useState } from 'react';
import { isApiError } from '../../api/client';
import { diffEventsUrl, fetchWorkspaceDiff, UNCHANGED } from '../../api/diff';
import { errorMessage } from '../../components/alert';

/** How often to poll (with If-None-Match) while the event stream is down, in milliseconds. */
const POLL_MS = 2_000;
/** How long to wait before opening the stream again after the server closed it, in milliseconds. */
const REOPEN_MS = 10_000;

export interface LiveDiff {
  diff: WorkspaceDiff | null;
  /** Why the last diff could not be computed or fetched. */
  error: string | null;
  /** `live`: the event stream is open; `polling`: it is down and ETag polls stand in; `stopped`: the workspace is not running. */
  mode: 'connecting' | 'live' | 'polling' | 'stopped';
}

/**
 * The workspace's diff against HEAD, pushed by the server over SSE within
 * moments of a change. While the stream is down (the browser reconnects it
 * by itself, or this hook reopens it) the diff is polled with its ETag, so
 * an unchanged diff costs a 304.
 */
export function useLiveDiff(workspaceId: string, running: boolean): LiveDiff {
  const [state, setState] = useState<LiveDiff>({ diff: null, error: null, mode: 'connecting' });

  useEffect(() => {
    if (!running) {
      setState((current) => ({ ...current, mode: 'stopped' }));
      return;
    }
    const controller = new AbortController();
    let source: EventSource | null = null;
    let etag: string | null = null;
    let pollTimer: ReturnType<typeof setTimeout> | undefined;
    let reopenTimer: ReturnType<typeof setTimeout> | undefined;
    let polling = false;

    const show = (diff: WorkspaceDiff, mode: LiveDiff['mode']) => {
      etag = diff.etag;
      setState({ diff, error: null, mode });
    };
    const stopPolling = () => {
      polling = false;
      clearTimeout(pollTimer);
    };
    const poll = async () => {
      try {
        const next = await fetchWorkspaceDiff(workspaceId, etag, controller.signal);
        if (next !== UNCHANGED) show(next, 'polling');
        else setState((current) => ({ ...current, error: null }));
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((current) => ({
          ...current,
          error: errorMessage(error),
          mode: isApiError(error, 'invalid_state') ? 'stopped' : current.mode,
        }));
      }
      if (polling) pollTimer = setTimeout(() => void poll(), POLL_MS);
    };
    const startPolling = () => {
      if (polling || controller.signal.aborted) return;
      polling = true;
      setState((current) => ({ ...current, mode: 'polling' }));
      void poll();
    };

    const onDiff = (event: MessageEvent<string>) => {
      const parsed = workspaceDiff.safeParse(safeJson(event.data));
      if (!parsed.success) {
        console.warn('Ignoring a diff this version does not understand', parsed.error);
        return;
      }
      stopPolling();
      show(parsed.data, 'live');
    };
    const onError = (event: Event) => {
      // The server's own `error` event (git failed) carries a message; the browser's has no data.
      if (event instanceof MessageEvent && typeof event.data === 'string') {
        const data = safeJson(event.data) as { message?: unknown } | undefined;
        const message = typeof data?.message === 'string' ? data.message : 'Git failed.';
        setState((current) => ({ ...current, error: message }));
        return;
      }
      startPolling();
      if (source?.readyState === EventSource.CLOSED) {
        // Refused (not a 200 event stream): EventSource gives up, so try again later ourselves.
        source = null;
        reopenTimer = setTimeout(open, REOPEN_MS);
      }
    };
    const onEnd = () => {
      // The workspace stopped; the page re-renders with its new state and this effect starts over.
      source?.close();
      source = null;
      stopPolling();
      setState((current) => ({ ...current, mode: 'stopped' }));
    };
    function open() {
      if (controller.signal.aborted) return;
      source = new EventSource(diffEventsUrl(workspaceId));
      source.addEventListener('diff', onDiff);
      source.addEventListener('error', onError);
      source.addEventListener('end', onEnd);
    }

    setState((current) => ({ ...current, mode: 'connecting' }));
    open();
    return () => {
      controller.abort();
      stopPolling();
      clearTimeout(reopenTimer);
      source?.close();
    };
  }, [workspaceId, running]);

  return state;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
