import type { ServerResponse } from 'node:http';
import type { Conversation, RequestInfo } from '../apis/api.js';
import { randomId } from '../apis/common.js';
import type { Route } from '../apis/routes.js';
import type { ScenarioPlayer } from '../scenario/player.js';
import { estimateTokens, resolveError, resolvePace, resolveReply } from '../scenario/resolve.js';
import type { Reply, Scenario } from '../scenario/schema.js';
import { sendJson } from './control.js';
import type { RecordedRequest } from './recorded-request.js';
import { writeStream, type Interruption } from './stream.js';

const EMPTY_REPLY: Reply = { toolCalls: [], usage: {}, pace: {} };

/** Names the models endpoints list: the scenario's default and every literal model it matches on. */
function modelNames(scenario: Scenario): string[] {
  const literal = scenario.turns.flatMap((t) =>
    t.match.model && !t.match.model.startsWith('/') ? [t.match.model] : [],
  );
  return [...new Set([scenario.model, ...literal])];
}

function fail(res: ServerResponse, record: RecordedRequest, route: Route, message: string) {
  record.status = 400;
  record.outcome = 'invalid';
  sendJson(res, 400, route.api.errorBody({ status: 400, type: undefined, message }));
}

/** Answers one request to a provider API endpoint, as the scenario says; updates `record` as it goes. */
export async function answerApiRequest(
  route: Route,
  body: { json: boolean; value: unknown },
  record: RecordedRequest,
  player: ScenarioPlayer,
  res: ServerResponse,
  signal: AbortSignal,
): Promise<void> {
  const { api } = route;
  const scenario = player.scenario;
  if (route.kind === 'models') {
    record.status = 200;
    record.outcome = 'models';
    return sendJson(res, 200, api.modelsBody(modelNames(scenario)));
  }
  if (!body.json) return fail(res, record, route, 'The request body is not valid JSON.');
  const inspected = api.inspect(body.value, route.info);
  if (typeof inspected === 'string') return fail(res, record, route, inspected);
  const conversation: Conversation = inspected;
  record.model = conversation.model;
  if (route.kind === 'countTokens') {
    record.status = 200;
    record.outcome = 'count_tokens';
    return sendJson(res, 200, api.countTokensBody(estimateTokens(conversation.promptChars)));
  }
  record.stream = conversation.stream;

  const pick = player.pick(api.name, conversation);
  record.turn = { index: pick.turnIndex, name: pick.turnName };
  const { reply, error } = pick.outcome;
  const headers: Record<string, string> = api.requestIdHeader
    ? { [api.requestIdHeader]: randomId('req_') }
    : {};

  if (error && (!conversation.stream || error.afterChunks === undefined)) {
    if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
    record.status = error.status;
    record.outcome = 'error';
    return sendJson(res, error.status, api.errorBody(resolveError(error)), headers);
  }

  const resolved = resolveReply(reply ?? EMPTY_REPLY, scenario, conversation);
  const request: RequestInfo = { route: route.info, conversation };
  record.status = 200;
  if (!conversation.stream) {
    const rendered = api.renderJson(resolved, request);
    if (reply?.cutAfterChunks === undefined) {
      record.outcome = 'reply';
      return sendJson(res, 200, rendered, headers);
    }
    const json = JSON.stringify(rendered);
    // A cut answer: promise the whole body, send half of it, hang up.
    record.outcome = 'cut';
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(json),
      ...headers,
    });
    res.write(json.slice(0, Math.floor(json.length / 2)), () => res.destroy());
    return;
  }

  const stream = api.renderStream(resolved, request);
  res.writeHead(200, {
    'content-type': stream.contentType,
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...headers,
  });
  res.flushHeaders();
  let interruption: Interruption | null = null;
  if (reply?.cutAfterChunks !== undefined) interruption = { kind: 'cut', afterChunks: reply.cutAfterChunks };
  else if (error?.afterChunks !== undefined) {
    interruption = { kind: 'error', afterChunks: error.afterChunks, error: resolveError(error) };
  }
  const together = reply?.startTogether;
  try {
    if (together)
      await player.startTogether(together.group, together.count, together.timeoutMs ?? 60_000, signal);
    const end = await writeStream(res, stream, resolvePace(scenario, reply), interruption, signal);
    record.outcome = end === 'complete' ? 'reply' : end;
  } catch (err) {
    if (!signal.aborted) throw err;
    record.outcome = 'client_closed';
  }
}
