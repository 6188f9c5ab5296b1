import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { findRoute } from '../apis/routes.js';
import { parseScenario } from '../scenario/load.js';
import { ScenarioPlayer } from '../scenario/player.js';
import type { Scenario, ScenarioInput } from '../scenario/schema.js';
import { answerApiRequest } from './answer.js';
import { BodyTooLargeError, parseBody, readBody } from './body.js';
import { CONTROL_PREFIX, handleControl, sendJson } from './control.js';
import { findApiKey, flattenHeaders, type RecordedRequest } from './recorded-request.js';

export interface ScriptedProviderOptions {
  /** A scenario object (validated here) or one from `loadScenario`. */
  scenario: ScenarioInput;
  /** Default 0: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Called when an API request has been answered (control requests excluded). */
  onRequest?: (request: RecordedRequest) => void;
}

export interface ScriptedProvider {
  /** Base URL, e.g. `http://127.0.0.1:41234` (no trailing slash, no `/v1`). */
  readonly url: string;
  readonly port: number;
  /** Every API request so far, oldest first; a live array, emptied by `clearRequests`. */
  readonly requests: RecordedRequest[];
  readonly scenario: Scenario;
  /** Replaces the scenario; turn use counts (`times`) start again. */
  setScenario(scenario: ScenarioInput): void;
  clearRequests(): void;
  /** Stops listening and ends every open connection, streams included. */
  close(): Promise<void>;
}

const isAbort = (err: unknown) => err instanceof Error && err.name === 'AbortError';

/** Starts the scripted provider: a real HTTP server speaking the Anthropic, OpenAI and Gemini APIs. */
export async function startScriptedProvider(options: ScriptedProviderOptions): Promise<ScriptedProvider> {
  let player = new ScenarioPlayer(parseScenario(options.scenario));
  const requests: RecordedRequest[] = [];
  const inFlight = new Set<AbortController>();
  let nextId = 1;

  const control = {
    requests,
    get scenario() {
      return player.scenario;
    },
    setScenario(scenario: ScenarioInput) {
      player = new ScenarioPlayer(parseScenario(scenario));
    },
    clearRequests() {
      requests.length = 0;
    },
  };

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal) {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://scripted.invalid');
    let text: string;
    try {
      text = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLargeError) return sendJson(res, 413, { error: { message: err.message } });
      throw err;
    }
    if (url.pathname.startsWith(CONTROL_PREFIX))
      return handleControl(control, method, url.pathname, text, res);

    const headers = flattenHeaders(req.headers);
    const route = findRoute(method, url, req.headers);
    const body = parseBody(text);
    const record: RecordedRequest = {
      id: nextId++,
      at: new Date().toISOString(),
      method,
      path: req.url ?? '/',
      api: route?.api.name ?? null,
      endpoint: route?.kind ?? null,
      headers,
      ...findApiKey(headers, url),
      body: body.value,
      model: null,
      stream: false,
      turn: null,
      status: 404,
      outcome: 'not_found',
    };
    requests.push(record);
    try {
      if (!route)
        return sendJson(res, 404, {
          error: { message: `No scripted endpoint for ${method} ${url.pathname}.` },
        });
      await answerApiRequest(route, body, record, player, res, signal);
    } finally {
      options.onRequest?.(record);
    }
  }

  const server = createServer((req, res) => {
    const controller = new AbortController();
    inFlight.add(controller);
    res.on('close', () => {
      inFlight.delete(controller);
      // The client left before the answer was complete: stop writing.
      if (!res.writableFinished) controller.abort();
    });
    handle(req, res, controller.signal).catch((err: unknown) => {
      if (controller.signal.aborted || isAbort(err)) return;
      console.error('scripted provider: unexpected error answering', req.method, req.url?.split('?')[0], err);
      if (!res.headersSent)
        sendJson(res, 500, { error: { type: 'internal_error', message: 'internal_error' } });
      else res.destroy();
    });
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    get scenario() {
      return player.scenario;
    },
    setScenario: control.setScenario,
    clearRequests: control.clearRequests,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const controller of inFlight) controller.abort();
        server.closeAllConnections();
      });
    },
  };
}
