import { randomBytes } from 'node:crypto';
import type { Frame } from './api.js';

/** Splits text into pieces of `size` characters (code points, so no emoji is cut in half). */
export function chunkText(text: string, size: number): string[] {
  const chars = Array.from(text);
  const chunks: string[] = [];
  for (let i = 0; i < chars.length; i += size) chunks.push(chars.slice(i, i + size).join(''));
  return chunks;
}

export function randomId(prefix: string, bytes = 12): string {
  return prefix + randomBytes(bytes).toString('hex');
}

/** An SSE event; the event name is validated since a newline in it would break the framing. */
export function sseEvent(event: string | null, data: unknown): string {
  if (event !== null && /[\r\n]/.test(event)) throw new Error(`SSE event name has a newline: ${event}`);
  const json = JSON.stringify(data);
  return event === null ? `data: ${json}\n\n` : `event: ${event}\ndata: ${json}\n\n`;
}

export const frame = (data: string, chunk = false): Frame => ({ data, chunk });

export const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The text of content in the common "string or array of text parts" shape. */
export function textOf(content: unknown, textTypes: readonly string[]): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts: string[] = [];
  for (const part of content as unknown[]) {
    if (typeof part !== 'object' || part === null) continue;
    const { type, text } = part as { type?: unknown; text?: unknown };
    if (typeof text === 'string' && (type === undefined || textTypes.includes(String(type))))
      texts.push(text);
  }
  return texts.length ? texts.join('\n') : null;
}

/**
 * Counts assistant turns in a conversation given, for each entry, whether it is
 * the assistant's; consecutive assistant entries make one turn (the Responses
 * API spreads one turn over several items). Also counts those after `since`.
 */
export function countAssistantTurns(
  isAssistant: readonly boolean[],
  since: number,
): { all: number; since: number } {
  let all = 0;
  let after = 0;
  isAssistant.forEach((assistant, i) => {
    if (!assistant || isAssistant[i - 1] === true) return;
    all++;
    if (i > since) after++;
  });
  return { all, since: after };
}

export const jsonLength = (...values: unknown[]) =>
  values.reduce<number>((n, v) => n + (v === undefined ? 0 : JSON.stringify(v).length), 0);

/**
 * Names of offered tools in any of the four APIs' shapes: `{name}` (Anthropic,
 * Responses), `{function: {name}}` (Chat Completions), `{functionDeclarations: [{name}]}` (Gemini).
 */
export function toolNames(tools: unknown): string[] {
  if (!Array.isArray(tools)) return [];
  const names: string[] = [];
  for (const tool of tools as unknown[]) {
    if (typeof tool !== 'object' || tool === null) continue;
    const t = tool as { name?: unknown; function?: { name?: unknown }; functionDeclarations?: unknown };
    if (typeof t.name === 'string') names.push(t.name);
    if (typeof t.function?.name === 'string') names.push(t.function.name);
    if (Array.isArray(t.functionDeclarations)) {
      for (const d of t.functionDeclarations as { name?: unknown }[])
        if (typeof d?.name === 'string') names.push(d.name);
    }
  }
  return names;
}
