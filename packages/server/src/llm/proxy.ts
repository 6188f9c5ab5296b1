import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, ProviderConfig } from '../config/index.js';
import { HangarError, errors } from '../errors.js';
import type { WorkspaceRow } from '../services/workspaces/repository.js';
import type { WorkspaceTokens } from '../services/workspaces/workspace-tokens.js';
import type { UsageMeter } from './meter.js';
import { matchesModel } from './pricing.js';
import { providerErrorBody } from './provider-errors.js';
import type { ProviderKeys } from './provider-keys.js';
import {
  EMPTY_USAGE,
  SseParser,
  detectApi,
  foldUsage,
  streamError,
  type LlmApi,
  type Usage,
} from './usage.js';

/** Request headers never forwarded: hop-by-hop ones, and every credential the client sent. */
const DROP_REQUEST = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'proxy-connection',
  'authorization',
  'x-api-key',
  'x-goog-api-key',
  'cookie',
  'accept-encoding',
  'origin',
  'referer',
  'x-hangar-session',
]);
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

interface Call {
  provider: string;
  config: ProviderConfig;
  api: LlmApi;
  model: string;
  workspace: WorkspaceRow;
}

/**
 * The LLM proxy: a sandbox sends its workspace token; the proxy checks it,
 * the model allow-list and the budgets, swaps in the real key, and streams
 * the provider's answer back chunk by chunk while metering its usage.
 */
export class LlmProxy {
  constructor(
    private readonly config: Pick<Config, 'templates'>,
    private readonly keys: ProviderKeys,
    private readonly tokens: WorkspaceTokens,
    private readonly meter: UsageMeter,
  ) {}

  async handle(
    request: FastifyRequest<{ Params: { provider: string; '*': string } }>,
    reply: FastifyReply,
  ): Promise<void> {
    const name = request.params.provider;
    const provider = this.keys.provider(name);
    if (!provider)
      return void reply
        .status(404)
        .send({ error: { id: 'unknown_provider', message: errors.unknownProvider(name).message } });
    try {
      const workspace = await this.tokens.verify(tokenOf(request) ?? '');
      if (!workspace) throw errors.invalidWorkspaceToken();
      const path = `/${request.params['*']}`;
      const api = detectApi(provider.kind, path);
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const json = parseJson(body);
      const model = modelOf(provider.kind, path, json);
      this.checkModel(workspace, model);
      await this.meter.checkBudgets(workspace.created_by, workspace);
      const key = provider.keyless ? undefined : await this.keys.keyOf(name);
      if (!provider.keyless && !key) throw errors.providerKeyMissing(name);
      const upstreamBody = api === 'openai-chat' && json?.stream === true ? withUsageReport(json) : body;
      const call: Call = { provider: name, config: provider, api, model, workspace };
      await this.forward(request, reply, call, upstreamUrl(provider, path, request.url), upstreamBody, key);
    } catch (error) {
      if (!(error instanceof HangarError)) throw error;
      if (reply.raw.headersSent) return;
      void reply
        .status(error.status)
        .header('content-type', 'application/json')
        .send(providerErrorBody(provider.kind, error));
    }
  }

  private checkModel(workspace: WorkspaceRow, model: string): void {
    const allowed = this.config.templates[workspace.template]?.models;
    if (allowed && !allowed.some((pattern) => matchesModel(pattern, model)))
      throw errors.modelNotAllowed(model, workspace.template);
  }

  private async forward(
    request: FastifyRequest,
    reply: FastifyReply,
    call: Call,
    url: string,
    body: Buffer,
    key: string | undefined,
  ) {
    const started = performance.now();
    const abort = new AbortController();
    request.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    let upstream: Response;
    try {
      upstream = await fetch(url, {
        method: request.method,
        headers: upstreamHeaders(request, call.config, key),
        ...(request.method !== 'GET' && request.method !== 'HEAD' && { body: new Uint8Array(body) }),
        signal: abort.signal,
      });
    } catch (error) {
      throw errors.upstreamUnreachable(call.provider, (error as Error).message);
    }
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
        if (streamed) {
          sse.push(bytes, (doc) => {
            usage = foldUsage(call.api, usage, doc);
            eventError ??= streamError(doc);
          });
        } else if (keptBytes < METER_BODY_LIMIT) {
          kept.push(bytes);
          keptBytes += bytes.length;
        }
      }
    } catch (error) {
      cut = abort.signal.aborted ? 'client disconnected' : `stream cut: ${(error as Error).message}`;
    }
    if (cut && firstByteMs === null && !abort.signal.aborted) {
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

    let errorText = cut ?? eventError ?? null;
    if (!streamed && keptBytes < METER_BODY_LIMIT) {
      const doc = parseJson(Buffer.concat(kept));
      usage = foldUsage(call.api, usage, doc);
      if (upstream.status >= 400) errorText ??= streamError(doc) ?? `HTTP ${upstream.status}`;
    }
    if (upstream.status >= 400) errorText ??= `HTTP ${upstream.status}`;
    await this.meter.record({
      workspaceId: call.workspace.id,
      sessionId: null,
      userId: call.workspace.created_by,
      provider: call.provider,
      api: call.api,
      model: call.model,
      usage,
      status: upstream.status,
      error: errorText,
      streamed,
      firstByteMs,
      durationMs: performance.now() - started,
    });
  }
}

function tokenOf(request: FastifyRequest): string | undefined {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const bearer = /^Bearer\s+(\S+)$/i.exec(header('authorization') ?? '')?.[1];
  const query = new URL(request.url, 'http://x').searchParams.get('key') ?? undefined;
  return header('x-api-key') ?? bearer ?? header('x-goog-api-key') ?? query;
}

function upstreamHeaders(
  request: FastifyRequest,
  provider: ProviderConfig,
  key: string | undefined,
): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || DROP_REQUEST.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  headers.set('accept-encoding', 'identity'); // pass bytes through untouched
  if (key) {
    if (provider.kind === 'anthropic') headers.set('x-api-key', key);
    else if (provider.kind === 'gemini') headers.set('x-goog-api-key', key);
    else headers.set('authorization', `Bearer ${key}`);
  }
  return headers;
}

function upstreamUrl(provider: ProviderConfig, path: string, requestUrl: string): string {
  const query = new URL(requestUrl, 'http://x').searchParams;
  query.delete('key');
  const search = query.toString();
  return `${provider.baseUrl.replace(/\/+$/, '')}${path}${search ? `?${search}` : ''}`;
}

function modelOf(
  kind: ProviderConfig['kind'],
  path: string,
  json: Record<string, unknown> | undefined,
): string {
  if (kind === 'gemini') return /\/models\/([^/:]+)/.exec(path)?.[1] ?? 'unknown';
  return typeof json?.model === 'string' ? json.model : 'unknown';
}

function parseJson(body: Buffer): Record<string, unknown> | undefined {
  if (body.length === 0) return undefined;
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Streaming chat completions report usage only when asked: ask, so the call can be metered. */
function withUsageReport(json: Record<string, unknown>): Buffer {
  const options =
    typeof json.stream_options === 'object' && json.stream_options !== null ? json.stream_options : {};
  return Buffer.from(JSON.stringify({ ...json, stream_options: { ...options, include_usage: true } }));
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
