import type { Readable } from 'node:stream';
import type { z } from 'zod';

/**
 * Splits text into lines on `\n` only: agents' JSON strings may carry U+2028
 * and U+2029 raw, which Node's readline would split on too. Lines are
 * trimmed (a `\r` before the `\n` goes) and empty ones dropped.
 */
export class LineSplitter {
  private buffer = '';

  push(chunk: string): string[] {
    this.buffer += chunk;
    const lines = this.buffer.split('\n');
    this.buffer = lines.pop() ?? '';
    return lines.map((line) => line.trim()).filter((line) => line !== '');
  }
}

/**
 * Reads an agent's stdout as JSON lines: each line that parses and matches
 * `schema` goes to `onMessage`; anything else (a stray log line, a message
 * type the adapter does not use) is skipped.
 */
export function readJsonLines<S extends z.ZodType>(
  stream: Readable,
  schema: S,
  onMessage: (message: z.infer<S>) => void,
): void {
  const splitter = new LineSplitter();
  stream.setEncoding('utf8'); // multi-byte characters split across chunks are decoded whole
  stream.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) {
      let json: unknown;
      try {
        json = JSON.parse(line);
      } catch {
        continue;
      }
      const parsed = schema.safeParse(json);
      if (parsed.success) onMessage(parsed.data);
    }
  });
}
