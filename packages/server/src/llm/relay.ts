import type { FastifyReply } from 'fastify';
import { errors } from '../errors.js';
import { generatedChars, partialUsage } from './partial-usage.js';
import { EMPTY_USAGE, SseParser, foldUsage, streamError, type LlmApi, type Usage } from './usage.js';

const DROP_RESPONSE = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'set-cookie',
]);
/** Largest non-streamed answer read for its usage numbers, in bytes (it is forwarded whole regardless). */
const METER_BODY_LIMIT = 8 * 1024 * 1024;

/** What the meter records of a relayed answer. */
export interface Relayed {
  usage: Usage;
  error: string | null;
  streamed: boolean;
  firstByteMs: number | null;
}

/**
 * Streams the provider's answer to the client chunk by chunk, reading its
 * usage as it goes. When `cancelled` fires (the client left), reading stops,
 * which cancels the provider's stream; the usage is then what was seen so far.
 */
export async function relay(
  upstream: Response,
  reply: FastifyReply,
  call: { provider: string; api: LlmApi },
  cancelled: AbortSignal,
  started: number,
): Promise<Relayed> {
  reply.hijack();
  const headers: Record<string, string> = {};
  upstream.headers.forEach((value, name) => {
    if (!DROP_RESPONSE.has(name)) headers[name] = value;
  });
  // Sent with the first chunk, in one write; until then a cut can still become a clean 502.
  const sendHead = () => {
    if (!reply.raw.headersSent) reply.raw.writeHead(upstream.status, headers);
  };

  const streamed = (upstream.headers.get('content-type') ?? '').includes('text/event-stream');
  let usage: Usage = EMPTY_USAGE;
  let generated = 0;
  let eventError: string | undefined;
  const sse = new SseParser();
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let firstByteMs: number | null = null;
  let cut: string | undefined;
  try {
    const reader = upstream.body?.getReader();
    for (let next = await reader?.read(); next && !next.done; next = await reader?.read()) {
      const bytes = Buffer.from(next.value);
      firstByteMs ??= performance.now() - started;
      sendHead();
      if (!reply.raw.write(bytes)) await waitDrain(reply);
      if (cancelled.aborted) throw cancelled.reason;
      if (streamed) {
        sse.push(bytes, (doc) => {
          usage = foldUsage(call.api, usage, doc);
          generated += generatedChars(call.api, doc);
          eventError ??= streamError(doc);
        });
      } else if (keptBytes < METER_BODY_LIMIT) {
        kept.push(bytes);
        keptBytes += bytes.length;
      }
    }
  } catch (error) {
    cut = cancelled.aborted ? 'client disconnected' : `stream cut: ${(error as Error).message}`;
  }
  if (cut && firstByteMs === null && !cancelled.aborted) {
    // Nothing reached the client yet: it gets an answer rather than a dropped connection.
    const failure = errors.upstreamUnreachable(call.provider, cut);
    reply.raw.writeHead(failure.status, { 'content-type': 'application/json' });
    reply.raw.end(JSON.stringify({ error: { id: failure.id, message: failure.message } }));
  } else if (cut) {
    reply.raw.destroy();
  } else {
    sendHead();
    reply.raw.end();
  }

  let error = cut ?? eventError ?? null;
  if (cut && streamed) {
    // Cut before the provider's final report: what it reported so far, output at least what was streamed.
    usage = partialUsage(usage, generated);
    error = `${cut}: usage as far as streamed (output estimated from the text)`;
  }
  if (!streamed && keptBytes < METER_BODY_LIMIT) {
    const doc = parseJsonValue(Buffer.concat(kept));
    // Gemini's streamGenerateContent without alt=sse answers one JSON array of chunks.
    for (const part of Array.isArray(doc) ? doc : [doc]) usage = foldUsage(call.api, usage, part);
    if (upstream.status >= 400) error ??= streamError(doc) ?? `HTTP ${upstream.status}`;
  }
  if (upstream.status >= 400) error ??= `HTTP ${upstream.status}`;
  return { usage, error, streamed, firstByteMs };
}

/** The JSON value of a body, or undefined when it is empty or not JSON. */
export function parseJsonValue(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object, or undefined for anything else (empty, not JSON, an array or a scalar). */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  const value = parseJsonValue(body);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function waitDrain(reply: FastifyReply): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      reply.raw.off('drain', done);
      reply.raw.off('close', done);
      resolve();
    };
    reply.raw.once('drain', done);
    reply.raw.once('close', done);
  });
}
