import { HangarError } from '../errors.js';

/** The LLM proxy's own refusals, each with a stable id; sent in the provider's error shape. */
export const proxyErrors = {
  pathRefused: () =>
    new HangarError(
      'llm_path_refused',
      400,
      'The path has a dot-segment, an empty segment, a %-escape, a backslash or a character no provider ' +
        'endpoint uses: send the API path as it is, e.g. /v1/messages.',
    ),
  endpointNotAllowed: (path: string, kind: string, allowed: string[]) =>
    new HangarError(
      'llm_endpoint_not_allowed',
      404,
      `The LLM proxy does not forward ${path} to ${kind} providers: it forwards ${allowed.join(', ')}.`,
    ),
  methodNotAllowed: (method: string, allowed: string[]) =>
    new HangarError(
      'llm_method_not_allowed',
      405,
      `Method ${method} is not forwarded for this path: use ${[...new Set(allowed)].join(' or ')}.`,
    ),
  bodyInvalid: () =>
    new HangarError(
      'llm_body_invalid',
      400,
      'The body must be a JSON object that names its model as a string in "model" ' +
        '(for Gemini, the path names the model).',
    ),
  bodyTooLarge: (limitBytes: number) =>
    new HangarError(
      'payload_too_large',
      413,
      `The body is larger than the LLM proxy's limit of ${limitBytes} bytes: shorten the conversation.`,
    ),
  busy: (what: string, retryAfter: number) =>
    new HangarError(
      'llm_proxy_busy',
      429,
      `The LLM proxy is at its limit of ${what}: retry in ${retryAfter} s.`,
      { retryAfter },
    ),
  sessionRefused: () =>
    new HangarError(
      'llm_session_refused',
      403,
      'The x-hangar-session header names no session of this workspace: a call is charged only to a ' +
        'session of the workspace whose token it carries (or, without the header, to the workspace).',
    ),
};
