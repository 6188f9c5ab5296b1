/** Characters of input per frame: JSON may spell one UTF-16 unit in six bytes, and frames stay under 64 KiB. */
export const INPUT_CHUNK_UNITS = 8 * 1024;

/** Splits typed or pasted text into frames the server accepts, never between a surrogate pair. */
export function splitInput(data: string, maxUnits = INPUT_CHUNK_UNITS): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < data.length) {
    let end = Math.min(data.length, start + maxUnits);
    const last = data.charCodeAt(end - 1);
    if (end < data.length && end - start > 1 && last >= 0xd800 && last <= 0xdbff) end -= 1;
    chunks.push(data.slice(start, end));
    start = end;
  }
  return chunks;
}

/** Ctrl-\ : the first key of the detach sequence. */
export const DETACH_PREFIX = '\x1c';

/**
 * Watches typed input for the detach sequence, Ctrl-\ then d. Everything
 * else passes through; Ctrl-\ twice sends one Ctrl-\ to the terminal, and
 * Ctrl-\ followed by another key sends both.
 */
export class DetachKeys {
  private armed = false;

  /** What to send on, and whether the user asked to detach. */
  feed(input: string): { send: string; detach: boolean } {
    let send = '';
    for (const char of input) {
      if (this.armed) {
        this.armed = false;
        if (char === 'd' || char === 'D' || char === '\x04') return { send, detach: true };
        send += char === DETACH_PREFIX ? DETACH_PREFIX : DETACH_PREFIX + char;
      } else if (char === DETACH_PREFIX) {
        this.armed = true;
      } else {
        send += char;
      }
    }
    return { send, detach: false };
  }
}
