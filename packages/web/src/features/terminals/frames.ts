import { serverFrame, type ClientFrame, type ServerFrame } from '@hangar/protocol';

/**
 * Characters of input per frame. JSON may spell one UTF-16 unit as up to six
 * bytes (`\u001b`), so 8 Ki units stay under the server's 64 KiB frame limit.
 */
export const INPUT_CHUNK_UNITS = 8 * 1024;

/** A text frame from the server, or undefined when it is not one this app understands. */
export function parseServerFrame(text: string): ServerFrame | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = serverFrame.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

export function encodeClientFrame(frame: ClientFrame): string {
  return JSON.stringify(frame);
}

/** Splits a large paste into frames the server accepts, never between the halves of a surrogate pair. */
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

/** What to write when the process ends, as a terminal line. */
export function exitLine(exitCode: number | null): string {
  const what = exitCode === null ? 'process exited' : `process exited with code ${exitCode}`;
  return `\r\n[${what}]\r\n`;
}
