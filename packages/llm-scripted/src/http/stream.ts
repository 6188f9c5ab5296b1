import type { ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RenderedStream, ResolvedError } from '../apis/api.js';
import type { Pace } from '../scenario/schema.js';

/** Where a scripted stream stops early: cut the connection, or send an error event. */
export type Interruption =
  { kind: 'cut'; afterChunks: number } | { kind: 'error'; afterChunks: number; error: ResolvedError };

/** Resolves once `data` is handed to the socket, so a slow reader slows the writer down. */
function write(res: ServerResponse, data: string): Promise<void> {
  return new Promise((resolve, reject) => {
    res.write(data, (err) => (err ? reject(err) : resolve()));
  });
}

/**
 * Writes a rendered stream at the scripted pace. Content chunks wait
 * `firstChunkMs` (the first) or `intervalMs` (the others); other frames go at
 * once. An interruption fires once `afterChunks` chunks were sent, or at the
 * latest just before the final frame, so an interrupted stream never completes.
 * Returns how the stream ended.
 */
export async function writeStream(
  res: ServerResponse,
  stream: RenderedStream,
  pace: Required<Pace>,
  interruption: Interruption | null,
  signal: AbortSignal,
): Promise<'complete' | 'cut' | 'error'> {
  let chunks = 0;
  for (const [index, frame] of stream.frames.entries()) {
    const isLast = index === stream.frames.length - 1;
    if (interruption && (chunks >= interruption.afterChunks || isLast)) {
      if (interruption.kind === 'cut') {
        res.destroy();
        return 'cut';
      }
      await write(res, stream.errorFrame(interruption.error, index));
      res.end();
      return 'error';
    }
    if (frame.chunk) {
      const delay = chunks === 0 ? pace.firstChunkMs : pace.intervalMs;
      if (delay > 0) await sleep(delay, undefined, { signal });
      chunks++;
    }
    if (signal.aborted) throw signal.reason;
    await write(res, frame.data);
  }
  res.end();
  return 'complete';
}
