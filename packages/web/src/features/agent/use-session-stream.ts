import { EventType, storedEvent, type Session, type StoredEvent } from '@hangar/protocol';
import { useEffect, useState } from 'react';
import { fetchSessionSnapshot, sessionEventsUrl } from '../../api/sessions';
import { emptyTranscript, foldEvents, type Transcript } from './transcript';

export interface SessionStream {
  session: Session | null;
  transcript: Transcript;
  /** Why the snapshot could not be loaded; the live stream retries by itself. */
  error: unknown;
  connected: boolean;
}

const EVENT_TYPES = Object.values(EventType);

/**
 * The session's snapshot, then its live events over SSE from the last one
 * folded. EventSource reconnects by itself and resumes with Last-Event-ID.
 * Events are folded once per animation frame, so a fast stream of tokens
 * costs one render per frame, not one per token.
 */
export function useSessionStream(sessionId: string): SessionStream {
  const [state, setState] = useState<SessionStream>({
    session: null,
    transcript: emptyTranscript,
    error: null,
    connected: false,
  });

  useEffect(() => {
    const controller = new AbortController();
    let source: EventSource | null = null;
    let pending: StoredEvent[] = [];
    let frame = 0;
    setState({ session: null, transcript: emptyTranscript, error: null, connected: false });

    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      setState((current) => ({ ...current, transcript: foldEvents(current.transcript, batch) }));
    };
    const onEvent = (message: MessageEvent<string>) => {
      let data: unknown;
      try {
        data = JSON.parse(message.data);
      } catch {
        return;
      }
      const parsed = storedEvent.safeParse(data);
      if (!parsed.success) {
        console.warn('Ignoring an agent event this version does not understand', parsed.error);
        return;
      }
      pending.push(parsed.data);
      if (!frame) frame = requestAnimationFrame(flush);
    };

    fetchSessionSnapshot(sessionId, controller.signal)
      .then((snapshot) => {
        const transcript = foldEvents(
          { ...emptyTranscript, status: snapshot.session.status },
          snapshot.events,
        );
        setState({ session: snapshot.session, transcript, error: null, connected: false });
        source = new EventSource(sessionEventsUrl(sessionId, transcript.lastEventId));
        for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
        source.onopen = () => setState((current) => ({ ...current, connected: true }));
        source.onerror = () => setState((current) => ({ ...current, connected: false }));
      })
      .catch((error: unknown) => {
        if (!controller.signal.aborted) setState((current) => ({ ...current, error }));
      });

    return () => {
      controller.abort();
      source?.close();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [sessionId]);

  return state;
}
