import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config, ProviderConfig } from '../config/index.js';
import { HangarError, errors } from '../errors.js';
import type { WorkspaceRow } from '../services/workspaces/repository.js';
import type { WorkspaceTokens } from '../services/workspaces/workspace-tokens.js';
import { routeOf, upstreamHeaders, upstreamQuery, type Route } from './allow-list.js';
import { ProxyLimits, type Admission } from './limits.js';
import type { Budgets } from './budgets.js';
import { SESSION_HEADER, type Charge, type ChargeResolver } from './charge.js';
import type { CallRecord, UsageMeter } from './meter.js';
import { matchesModel } from './pricing.js';
import { providerErrorBody } from './provider-errors.js';
import type { ProviderKeys } from './provider-keys.js';
import { proxyErrors } from './proxy-errors.js';
import { parseJsonObject, relay } from './relay.js';
import type { SessionCalls } from './session-usage.js';
import { EMPTY_USAGE, type LlmApi } from './usage.js';

/** Status recorded for a call whose client left before the provider answered (nginx's convention). */
const CLIENT_CLOSED = 499;

interface Call {
  provider: string;
  config: ProviderConfig;
  api: LlmApi;
  model: string;
  workspace: WorkspaceRow;
  charge: Charge;
}

/** What the admission of a request found, for its handler. */
interface Admitted {
  provider: ProviderConfig;
  workspace: WorkspaceRow;
  route: Route;
  slot: Admission;
}

/**
 * The LLM proxy: a sandbox sends its workspace token; the proxy checks it,
 * the endpoint allow-list, the model allow-list and the budgets, swaps in the
 * real key, and streams the provider's answer back chunk by chunk while
 * metering its usage. A call whose client leaves is cancelled upstream.
 */
export class LlmProxy {
  private readonly admitted = new WeakMap<IncomingMessage, Admitted>();

  constructor(
    private readonly config: Pick<Config, 'templates'>,
    private readonly keys: ProviderKeys,
    private readonly tokens: WorkspaceTokens,
    private readonly meter: UsageMeter,
    private readonly budgets: Budgets,
    private readonly charges: ChargeResolver,
    /** The calls of each session not recorded yet (its run ends after them). */
    readonly sessionCalls: SessionCalls,
    readonly limits = new ProxyLimits(),
  ) {}

  /**
   * Runs before the body is read: the token, the endpoint and the limits are
   * checked here, so a refused request costs no body in memory. Answers and
   * returns false when the request is refused.
   */
  async admit(
    request: FastifyRequest<{ Params: { provider: string } }>,
    reply: FastifyReply,
  ): Promise<boolean> {
    const name = request.params.provider;
    const provider = this.keys.provider(name);
    if (!provider) {
      const error = errors.unknownProvider(name);
      void reply.status(404).send({ error: { id: error.id, message: error.message } });
      return false;
    }
    try {
      const workspace = await this.tokens.verify(tokenOf(request) ?? '');
      if (!workspace) throw errors.invalidWorkspaceToken();
      const route = routeOf(provider.kind, request.method, request.raw.url ?? '');
      const declared = Number(request.headers['content-length'] ?? Number.NaN);
      // A chunked body may grow to the limit: it is counted at the limit.
      const bytes = Number.isSafeInteger(declared) ? declared : this.limits.values.maxBodyBytes;
      const slot = this.limits.admit(workspace.id, route.endpoint.method === 'GET' ? 0 : bytes);
      reply.raw.once('close', () => slot.release());
      this.admitted.set(request.raw, { provider, workspace, route, slot });
      return true;
    } catch (error) {
      if (!(error instanceof HangarError)) throw error;
      // The path without its query string, which may hold the workspace token (Gemini's `key`).
      const path = (request.raw.url ?? '').split('?')[0];
      request.log.info({ method: request.method, path, refused: error.id }, 'LLM proxy refused a request');
      sendError(reply, provider.kind, error);
      return false;
    }
  }

  async handle(
    request: FastifyRequest<{ Params: { provider: string } }>,
    reply: FastifyReply,
  ): Promise<void> {
    const admitted = this.admitted.get(request.raw);
    if (!admitted) throw new Error('LLM proxy: a request reached its handler without admission');
    const { provider, workspace, route, slot } = admitted;
    const name = request.params.provider;
    try {
      const { endpoint } = route;
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const json = endpoint.method === 'POST' ? parseJsonObject(body) : undefined;
      if (endpoint.method === 'POST' && !json) throw proxyErrors.bodyInvalid();
      const model = modelOf(route, json);
      if (endpoint.model !== 'none') this.checkModel(workspace, model);
      // The person who acted pays (and is held to their budget), not the workspace's creator: see charge.ts.
      const charge = await this.charges.resolve(workspace, request.headers[SESSION_HEADER]);
      await this.budgets.check(charge.userId, workspace);
      const key = provider.keyless ? undefined : await this.keys.keyOf(name);
      if (!provider.keyless && !key) throw errors.providerKeyMissing(name);
      // What is sent is what was read and checked (re-serialised): the provider cannot see another model.
      const upstreamBody = json && JSON.stringify(upstreamJson(endpoint.api, json));
      request.body = undefined; // the bytes received are not kept during a long stream
      const base = provider.baseUrl.replace(/\/+$/, '');
      const url = `${base}${route.path}${upstreamQuery(provider.kind, request.raw.url ?? '')}`;
      const call: Call = { provider: name, config: provider, api: endpoint.api, model, workspace, charge };
      const recorded = charge.sessionId ? this.sessionCalls.begin(charge.sessionId) : undefined;
      try {
        await this.forward(request, reply, call, url, upstreamBody, key, slot);
      } finally {
        recorded?.();
      }
    } catch (error) {
      if (!(error instanceof HangarError)) throw error;
      if (reply.raw.headersSent) return;
      sendError(reply, provider.kind, error);
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
    body: string | undefined,
    key: string | undefined,
    slot: Admission,
  ) {
    const started = performance.now();
    // The request's own 'close' came when its body was read; the response's comes when the client leaves.
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    // Gone already (while the budgets were checked): nothing is sent, so there is nothing to meter.
    if (request.raw.socket?.destroyed || reply.raw.destroyed) return;
    const identity = {
      workspaceId: call.workspace.id,
      sessionId: call.charge.sessionId,
      userId: call.charge.userId,
      provider: call.provider,
      api: call.api,
      model: call.model,
    };
    const record = (fields: Omit<CallRecord, keyof typeof identity | 'durationMs'>) =>
      this.meter.record({ ...identity, ...fields, durationMs: performance.now() - started });
    let upstream: Response;
    try {
      upstream = await fetch(url, {
        method: request.method,
        headers: upstreamHeaders(call.config.kind, request.headers, key),
        ...(body && { body }),
        signal: abort.signal,
      });
    } catch (error) {
      if (!abort.signal.aborted) throw errors.upstreamUnreachable(call.provider, (error as Error).message);
      // The provider may have begun on it: the call is on record, its usage unknown.
      const status = CLIENT_CLOSED;
      const reason = 'client disconnected before the provider answered';
      await record({ usage: EMPTY_USAGE, status, error: reason, streamed: false, firstByteMs: null });
      return;
    } finally {
      slot.releaseBody();
    }
    const relayed = await relay(upstream, reply, call, abort.signal, started);
    await record({ ...relayed, status: upstream.status });
  }
}

function sendError(reply: FastifyReply, kind: ProviderConfig['kind'], error: HangarError): void {
  if (error.extra.retryAfter !== undefined) void reply.header('retry-after', String(error.extra.retryAfter));
  void reply
    .status(error.status)
    .header('content-type', 'application/json')
    .send(providerErrorBody(kind, error));
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

/** The model billed: the path's for Gemini, the body's otherwise, none for listings. */
function modelOf(route: Route, json: Record<string, unknown> | undefined): string {
  if (route.endpoint.model === 'path') return route.pathModel ?? 'unknown';
  if (route.endpoint.model === 'none') return 'unknown';
  if (typeof json?.model !== 'string' || json.model === '') throw proxyErrors.bodyInvalid();
  return json.model;
}

/** The body sent upstream, changed only where metering needs it. */
function upstreamJson(api: LlmApi, json: Record<string, unknown>): Record<string, unknown> {
  if (api === 'gemini') {
    // The path names the model metered; a model in the body could name another one.
    const { model: _ignored, ...rest } = json;
    return rest;
  }
  if (api === 'openai-chat' && json.stream === true) {
    // Streaming chat completions report usage only when asked: asked, so the call can be metered.
    const options =
      typeof json.stream_options === 'object' && json.stream_options !== null ? json.stream_options : {};
    return { ...json, stream_options: { ...options, include_usage: true } };
  }
  return json;
}
