import type { ProviderConfig } from '../config/index.js';
import type { HangarError } from '../errors.js';

/**
 * An error the proxy itself answers with, in the provider's own error shape,
 * so the agent's SDK reports it properly; Hangar's stable id rides along.
 */
export function providerErrorBody(kind: ProviderConfig['kind'], error: HangarError): unknown {
  switch (kind) {
    case 'anthropic':
      return {
        type: 'error',
        error: { type: anthropicType(error.status), message: error.message, hangar_error: error.id },
      };
    case 'openai':
      return {
        error: { message: error.message, type: openaiType(error.status), code: error.id, param: null },
      };
    case 'gemini':
      return {
        error: {
          code: error.status,
          message: error.message,
          status: geminiStatus(error.status),
          hangar_error: error.id,
        },
      };
  }
}

function anthropicType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 400 || status === 413) return 'invalid_request_error';
  return 'api_error';
}

function openaiType(status: number): string {
  if (status === 401) return 'invalid_api_key';
  if (status === 429) return 'insufficient_quota';
  if (status < 500) return 'invalid_request_error';
  return 'server_error';
}

function geminiStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status < 500) return 'INVALID_ARGUMENT';
  return 'UNAVAILABLE';
}
