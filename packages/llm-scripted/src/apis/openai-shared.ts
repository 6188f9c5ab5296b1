import type { ResolvedError, ResolvedUsage, StopReasonMap } from './api.js';
import { randomId } from './common.js';

/** OpenAI's `type` and `code` for an HTTP status, as its API sends them. */
const ERRORS: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
};

export function openaiError(error: ResolvedError) {
  const [type, code] =
    ERRORS[error.status] ?? (error.status >= 500 ? ['server_error', null] : ['invalid_request_error', null]);
  return { message: error.message, type: error.type ?? type, param: null, code };
}

export const openaiErrorBody = (error: ResolvedError) => ({ error: openaiError(error) });

/** OpenAI counts cached tokens inside the prompt total, and reasoning inside the completion. */
export function promptTokens(u: ResolvedUsage) {
  return u.input + u.cacheRead + u.cacheWrite;
}

export const callId = () => randomId('call_');

export const CHAT_FINISH_REASONS: StopReasonMap = {
  end_turn: 'stop',
  tool_use: 'tool_calls',
  max_tokens: 'length',
  stop_sequence: 'stop',
  refusal: 'content_filter',
};

/** Creation time reported for scripted models, in seconds since the epoch (2025-01-01). */
const MODEL_CREATED = 1_735_689_600;

export const openaiModelsBody = (models: readonly string[]) => ({
  object: 'list',
  data: models.map((id) => ({ id, object: 'model', created: MODEL_CREATED, owned_by: 'hangar' })),
});
