import type { ServerResponse } from 'node:http';
import { ScenarioError, parseScenarioText } from '../scenario/load.js';
import type { Scenario } from '../scenario/schema.js';
import type { RecordedRequest } from './recorded-request.js';

/** What the control endpoints act on. */
export interface ControlTarget {
  readonly requests: RecordedRequest[];
  readonly scenario: Scenario;
  setScenario(scenario: Scenario): void;
  clearRequests(): void;
}

export const CONTROL_PREFIX = '/_scripted/';

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const json = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(json),
    ...headers,
  });
  res.end(json);
}

/**
 * `GET|DELETE /_scripted/requests`, `GET|PUT /_scripted/scenario` (JSON or YAML).
 * Returns false when the path is not a control endpoint.
 */
export function handleControl(
  target: ControlTarget,
  method: string,
  path: string,
  body: string,
  res: ServerResponse,
) {
  const name = path.slice(CONTROL_PREFIX.length);
  if (name === 'requests' && method === 'GET') return sendJson(res, 200, { requests: target.requests });
  if (name === 'requests' && method === 'DELETE') {
    target.clearRequests();
    res.writeHead(204).end();
    return;
  }
  if (name === 'scenario' && method === 'GET') return sendJson(res, 200, { scenario: target.scenario });
  if (name === 'scenario' && method === 'PUT') {
    try {
      target.setScenario(parseScenarioText(body, 'the request body'));
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      return sendJson(res, 400, { error: err.message, issues: err.issues });
    }
    return sendJson(res, 200, { turns: target.scenario.turns.length });
  }
  sendJson(res, 404, { error: `no control endpoint ${method} ${path}` });
}
