// Streams one LLM answer with fetch and reads its server-sent events, timing
// the content deltas as a client of the Anthropic Messages or OpenAI Chat
// Completions API sees them, without an SDK's own work in the way. Times in
// ms, from performance.now(). The answers come from another process, so every
// field is checked before it is used.
import { performance } from 'node:perf_hooks';

/** @typedef {'anthropic' | 'openai-chat'} StreamApi */

/**
 * @typedef {object} StreamApiSpec
 * @property {string} label
 * @property {string} path  appended to the base URL (the provider's, or the proxy's /llm/<provider>)
 * @property {(key: string) => Record<string, string>} headers
 * @property {(model: string, prompt: string) => Record<string, unknown>} body
 * @property {(data: string) => string | undefined} delta  the text of a content delta; throws on an error event
 */

/** @type {Record<StreamApi, StreamApiSpec>} */
export const STREAM_APIS = {
  anthropic: {
    label: 'Anthropic Messages',
    path: '/v1/messages',
    headers: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
    body: (model, prompt) => ({
      model,
      max_tokens: 4096,
      stream: true,
      messages: [{ role: 'user', content: prompt }],
    }),
    delta: anthropicDelta,
  },
  'openai-chat': {
    label: 'OpenAI Chat Completions',
    path: '/v1/chat/completions',
    headers: (key) => ({ authorization: `Bearer ${key}` }),
    // The proxy asks for the usage chunk on every stream (to meter it); asking
    // here too makes the direct answer the same bytes as the proxied one.
    body: (model, prompt) => ({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: prompt }],
    }),
    delta: openAiChatDelta,
  },
};

/**
 * @typedef {object} StreamTiming
 * @property {number} ttftMs           request started → first content delta read
 * @property {number} totalMs          request started → end of the stream
 * @property {number} deltas           content deltas (non-empty text)
 * @property {number} tokensPerSecond  deltas after the first ÷ seconds from the first to the last; NaN under 2
 * @property {string} text             the deltas joined
 */

/**
 * Sends one streaming request and reads the answer to its end.
 * @param {object} spec
 * @param {StreamApi} spec.api
 * @param {string} spec.base       the API's base URL, without /v1
 * @param {string} spec.key
 * @param {string} spec.model
 * @param {string} spec.prompt
 * @param {number} spec.timeoutMs  for the whole exchange
 * @returns {Promise<StreamTiming>}
 */
export async function streamOnce({ api, base, key, model, prompt, timeoutMs }) {
  const spec = STREAM_APIS[api];
  const started = performance.now();
  const res = await fetch(`${base}${spec.path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers(key) },
    body: JSON.stringify(spec.body(model, prompt)),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (res.status !== 200 || !res.body) {
    throw new Error(`${spec.path}: HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }
  const splitter = new SseSplitter();
  const decoder = new TextDecoder();
  let first = Number.NaN;
  let last = Number.NaN;
  let deltas = 0;
  let text = '';
  // Each delta is timed when the read that carries it returns.
  for await (const bytes of res.body) {
    const now = performance.now();
    for (const data of splitter.push(decoder.decode(bytes, { stream: true }))) {
      const piece = spec.delta(data);
      if (!piece) continue;
      if (deltas === 0) first = now;
      last = now;
      deltas++;
      text += piece;
    }
  }
  const ended = performance.now();
  if (splitter.pending()) throw new Error(`${spec.path}: the stream ended inside an event`);
  return {
    ttftMs: first - started,
    totalMs: ended - started,
    deltas,
    tokensPerSecond: deltas >= 2 && last > first ? ((deltas - 1) * 1000) / (last - first) : Number.NaN,
    text,
  };
}

/** Cuts a stream of text into server-sent events and gives the data of each complete one. */
export class SseSplitter {
  #buffer = '';

  /**
   * @param {string} text
   * @returns {string[]} the `data:` lines of each event now complete, joined by newlines; none for events without data
   */
  push(text) {
    this.#buffer += text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
    /** @type {string[]} */
    const out = [];
    for (let end = this.#buffer.indexOf('\n\n'); end >= 0; end = this.#buffer.indexOf('\n\n')) {
      const event = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
      if (data.length > 0) out.push(data.join('\n'));
    }
    return out;
  }

  /** @returns {boolean} whether a started event is still waiting for its end */
  pending() {
    return this.#buffer.trim() !== '';
  }
}

/**
 * @param {string} data
 * @returns {string | undefined}
 */
export function anthropicDelta(data) {
  const doc = record(JSON.parse(data));
  if (doc?.type === 'error') throw new Error(`error event: ${JSON.stringify(doc.error)}`);
  if (doc?.type !== 'content_block_delta') return undefined;
  const delta = record(doc.delta);
  return delta?.type === 'text_delta' && typeof delta.text === 'string' ? delta.text : undefined;
}

/**
 * @param {string} data
 * @returns {string | undefined}
 */
export function openAiChatDelta(data) {
  if (data === '[DONE]') return undefined;
  const doc = record(JSON.parse(data));
  if (doc?.error !== undefined) throw new Error(`error chunk: ${JSON.stringify(doc.error)}`);
  const choice = Array.isArray(doc?.choices) ? record(doc.choices[0]) : undefined;
  const content = record(choice?.delta)?.content;
  return typeof content === 'string' && content !== '' ? content : undefined;
}

/**
 * @param {unknown} value
 * @returns {Record<string, unknown> | undefined}
 */
function record(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? /** @type {Record<string, unknown>} */ (value)
    : undefined;
}
