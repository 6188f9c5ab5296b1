import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseParser } from './usage.js';

const parse = (chunks: Uint8Array[]) => {
  const parser = new SseParser();
  const docs: unknown[] = [];
  for (const chunk of chunks) parser.push(chunk, (doc) => docs.push(doc));
  return docs;
};

describe('SseParser', () => {
  it('finds the same documents however the stream is cut into chunks', () => {
    const event = fc.tuple(
      fc.jsonValue({ maxDepth: 2 }),
      fc.constantFrom('\n\n', '\r\n\r\n', '\n\r\n', '\r\n\n'),
      fc.constantFrom('data: ', 'data:'),
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 8 }),
        fc.array(fc.nat(50), { maxLength: 20 }),
        (events, cuts) => {
          const text = events
            .map(([doc, end, prefix]) => `event: x\n${prefix}${JSON.stringify(doc)}${end}`)
            .join('');
          const bytes = Buffer.from(text);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const cut of cuts) {
            chunks.push(bytes.subarray(at, Math.min(bytes.length, at + cut)));
            at = Math.min(bytes.length, at + cut);
          }
          chunks.push(bytes.subarray(at));
          expect(parse(chunks)).toEqual(events.map(([doc]) => JSON.parse(JSON.stringify(doc)) as unknown));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads a 12 MiB event once, not once per chunk, and skips one past its limit', () => {
    const big = Buffer.from(`data: ${JSON.stringify({ text: 'x'.repeat(12 * 1024 * 1024) })}\n\n`);
    // 12,289 chunks of 1 KiB: re-searching the event so far on each one would scan about
    // 75 G characters and run far past the test's timeout; searching only the new text takes milliseconds.
    const chunks = [];
    for (let i = 0; i < big.length; i += 1024) chunks.push(big.subarray(i, i + 1024));
    expect(parse(chunks)).toHaveLength(1);
    const huge = Buffer.from(`data: "${'y'.repeat(17 * 1024 * 1024)}"\n\ndata: {"after":1}\n\n`);
    const pieces = [];
    for (let i = 0; i < huge.length; i += 65536) pieces.push(huge.subarray(i, i + 65536));
    expect(parse(pieces)).toEqual([{ after: 1 }]);
  });
});
