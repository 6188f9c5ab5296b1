import { z } from 'zod';

/** Tokens of one call, normalised across APIs: `input` excludes cached input; `output` includes reasoning. */
export interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  /** Part of `output` spent on reasoning, where the API reports it. */
  reasoning: number;
}

export type LlmApi =
  'anthropic-messages' | 'anthropic-count-tokens' | 'openai-chat' | 'openai-responses' | 'gemini' | 'other';

/** More tokens than any call can hold: a provider reporting more (or fractions, or negatives) is not believed. */
const MAX_TOKENS = 1e9;
const n = z.number().int().nonnegative().max(MAX_TOKENS).catch(0).default(0);
const anthropicUsage = z.object({
  input_tokens: n,
  output_tokens: n,
  cache_read_input_tokens: n.nullable().transform((v) => v ?? 0),
  cache_creation_input_tokens: n.nullable().transform((v) => v ?? 0),
  output_tokens_details: z.object({ thinking_tokens: n }).partial().nullish(),
});
const anthropicUsagePartial = anthropicUsage.partial(); // built once: it is used for every streamed event

const openaiChatUsage = z.object({
  prompt_tokens: n,
  completion_tokens: n,
  prompt_tokens_details: z.object({ cached_tokens: n, cache_write_tokens: n }).partial().nullish(),
  completion_tokens_details: z.object({ reasoning_tokens: n }).partial().nullish(),
});
const openaiResponsesUsage = z.object({
  input_tokens: n,
  output_tokens: n,
  input_tokens_details: z.object({ cached_tokens: n, cache_write_tokens: n }).partial().nullish(),
  output_tokens_details: z.object({ reasoning_tokens: n }).partial().nullish(),
});
const geminiUsage = z.object({
  promptTokenCount: n,
  candidatesTokenCount: n,
  cachedContentTokenCount: n,
  thoughtsTokenCount: n,
});

export const EMPTY_USAGE: Usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, reasoning: 0 };

/**
 * Folds one JSON document of a response (a whole body, or one streamed
 * event) into the usage seen so far. Providers report cumulative numbers, so
 * each later report replaces the earlier one field by field.
 */
export function foldUsage(api: LlmApi, usage: Usage, doc: unknown): Usage {
  if (typeof doc !== 'object' || doc === null) return usage;
  const d = doc as Record<string, unknown>;
  switch (api) {
    case 'anthropic-messages': {
      const raw =
        (d.type === 'message_start' ? (d.message as Record<string, unknown> | undefined)?.usage : d.usage) ??
        undefined;
      if (!raw) return usage;
      const u = anthropicUsagePartial.parse(raw);
      return {
        ...usage,
        ...(u.input_tokens !== undefined && u.input_tokens > 0 && { input: u.input_tokens }),
        ...(u.output_tokens !== undefined && { output: Math.max(usage.output, u.output_tokens) }),
        ...(u.cache_read_input_tokens !== undefined &&
          u.cache_read_input_tokens > 0 && { cacheRead: u.cache_read_input_tokens }),
        ...(u.cache_creation_input_tokens !== undefined &&
          u.cache_creation_input_tokens > 0 && { cacheWrite: u.cache_creation_input_tokens }),
        ...(u.output_tokens_details?.thinking_tokens !== undefined && {
          reasoning: u.output_tokens_details.thinking_tokens,
        }),
      };
    }
    case 'openai-chat': {
      if (!d.usage) return usage;
      const u = openaiChatUsage.parse(d.usage);
      const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
      const written = u.prompt_tokens_details?.cache_write_tokens ?? 0;
      return {
        input: Math.max(0, u.prompt_tokens - cached - written),
        output: u.completion_tokens,
        cacheRead: cached,
        cacheWrite: written,
        reasoning: u.completion_tokens_details?.reasoning_tokens ?? 0,
      };
    }
    case 'openai-responses': {
      const raw = d.usage ?? (d.response as Record<string, unknown> | undefined)?.usage;
      if (!raw) return usage;
      const u = openaiResponsesUsage.parse(raw);
      const cached = u.input_tokens_details?.cached_tokens ?? 0;
      const written = u.input_tokens_details?.cache_write_tokens ?? 0;
      return {
        input: Math.max(0, u.input_tokens - cached - written),
        output: u.output_tokens,
        cacheRead: cached,
        cacheWrite: written,
        reasoning: u.output_tokens_details?.reasoning_tokens ?? 0,
      };
    }
    case 'gemini': {
      if (!d.usageMetadata) return usage;
      const u = geminiUsage.parse(d.usageMetadata);
      return {
        input: u.promptTokenCount - u.cachedContentTokenCount,
        output: u.candidatesTokenCount + u.thoughtsTokenCount,
        cacheRead: u.cachedContentTokenCount,
        cacheWrite: 0,
        reasoning: u.thoughtsTokenCount,
      };
    }
    default:
      return usage;
  }
}

/** What an error event in a stream says, if the document is one. */
export function streamError(doc: unknown): string | undefined {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as { type?: unknown; error?: { message?: unknown } };
  if (d.type === 'error' || (d.error && typeof d.error === 'object'))
    return String(d.error?.message ?? 'error event');
  return undefined;
}

/** Splits a server-sent-events byte stream into the JSON documents of its `data:` fields. */
/** Largest server-sent event read for its usage numbers, in characters. */
const MAX_EVENT_CHARS = 16 * 1024 * 1024;

export class SseParser {
  /** The current event's text so far, in pieces: joined once, when the event ends. */
  private parts: string[] = [];
  private size = 0;
  /** The last characters seen (at most 3): an event boundary may straddle two chunks. */
  private tail = '';
  /** The current event outgrew MAX_EVENT_CHARS: its pieces were dropped, and it is skipped. */
  private skipping = false;
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array, onDocument: (doc: unknown) => void): void {
    let text = this.decoder.decode(chunk, { stream: true });
    for (;;) {
      // Only the new text (and the tail) is searched: a long event is scanned once, not once per chunk.
      const found = /\r?\n\r?\n/.exec(this.tail + text);
      if (!found) {
        this.parts.push(text);
        this.size += text.length;
        this.tail = (this.tail + text).slice(-3);
        if (this.size > MAX_EVENT_CHARS) {
          // Larger than any usage report: not read for usage, and not kept in memory.
          this.parts = [];
          this.size = 0;
          this.skipping = true;
        }
        return;
      }
      const full = this.parts.join('') + text;
      const end = this.size - this.tail.length + found.index;
      const event = full.slice(0, Math.max(0, end));
      text = full.slice(end + found[0].length);
      const skipped = this.skipping;
      this.parts = [];
      this.size = 0;
      this.tail = '';
      this.skipping = false;
      if (!skipped) parseEvent(event, onDocument);
    }
  }
}

function parseEvent(event: string, onDocument: (doc: unknown) => void): void {
  const data = event
    .split(/\r?\n/)
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).replace(/^ /, ''))
    .join('\n');
  if (!data || data === '[DONE]') return;
  try {
    onDocument(JSON.parse(data));
  } catch {
    // not JSON: nothing to meter in it
  }
}
