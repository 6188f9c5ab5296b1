import { describe, expect, it } from 'vitest';
import type { TerminalConnection } from './terminal-clients.js';
import { markerScanner, measureCat, measureEcho, watchOutput } from './terminal-measure.js';

/** A terminal that answers typed text with `respond(text)`, one chunk per element, asynchronously. */
function fakeTerminal(respond: (typed: string) => (string | Buffer)[]): TerminalConnection {
  let listener: (chunk: Buffer | string) => void = () => undefined;
  return {
    type: (data) => setImmediate(() => respond(data).forEach((chunk) => listener(chunk))),
    onOutput: (next) => (listener = next),
    failure: () => undefined,
    close: async () => undefined,
  };
}

describe('markerScanner', () => {
  it('finds the marker in one chunk, or split over two, in bytes or text', () => {
    for (const wrap of [(s: string) => Buffer.from(s), (s: string) => s]) {
      const inOne = markerScanner('END-4242');
      expect(inOne(wrap('aaaa'))).toBe(false);
      expect(inOne(wrap('\r\nEND-4242\r\n'))).toBe(true);
      const split = markerScanner('END-4242');
      expect(split(wrap('xxEND-4'))).toBe(false);
      expect(split(wrap('242\r\n'))).toBe(true);
    }
  });

  it('is not fooled by the typed command line', () => {
    const found = markerScanner('END-4242');
    expect(found('cat /workspace/big; echo END-$((4241+1))')).toBe(false);
  });
});

describe('measureCat', () => {
  it('times until the echo of the marker and counts the bytes received', async () => {
    const conn = fakeTerminal((typed) => {
      const value = /\$\(\((\d+)\+1\)\)/.exec(typed)?.[1];
      const marker = `END-${Number(value) + 1}`;
      return [typed, 'x'.repeat(1000), `\r\n${marker.slice(0, 5)}`, `${marker.slice(5)}\r\n$ `];
    });
    const watch = watchOutput(conn);
    const result = await measureCat(conn, watch, { file: '/workspace/big', timeoutMs: 2000 });
    expect(result.ms).toBeGreaterThanOrEqual(0);
    expect(result.chunks).toBe(4);
    expect(result.deliveredBytes).toBeGreaterThan(1000);
  });

  it('fails after the timeout when no marker comes', async () => {
    const conn = fakeTerminal(() => ['nothing']);
    await expect(measureCat(conn, watchOutput(conn), { file: '/f', timeoutMs: 50 })).rejects.toThrow(
      /within 50 ms/,
    );
  });
});

describe('measureEcho', () => {
  it('times each character until output showing it, ignoring escape sequences', async () => {
    const conn = fakeTerminal((typed) =>
      typed === '\x7f' ? ['\b\x1b[K'] : ['\x1b[?25l', `\x1b[1;5H${typed}\x1b[?25h`],
    );
    const result = await measureEcho(conn, watchOutput(conn), {
      samples: 5,
      paceMs: 0,
      deadline: performance.now() + 5000,
    });
    expect(result.errors).toEqual([]);
    expect(result.latencies).toHaveLength(5);
  });
});
