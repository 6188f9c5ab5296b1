import { createRequire } from 'node:module';
import type { FastifyLoggerOptions, PinoLoggerOptions } from 'fastify/types/logger.js';
import type { PrettyOptions } from 'pino-pretty';
import type { Config } from '../config/index.js';

// Query parameters that carry secrets (invitation and setup links).
const SECRET_QUERY = /([?&](?:token|setupToken|secret|key)=)[^&\s]*/gi;

/** Where logs go: a stream, and whether a person reads it at a terminal. */
export interface LogOutput {
  write(line: string): unknown;
  isTTY?: boolean;
}

export type LogFormat = 'pretty' | 'json';

/** Readable lines for a person at a terminal; JSON lines, one object each, for anything else (files, journald, collectors). */
export function logFormat(output: Pick<LogOutput, 'isTTY'>): LogFormat {
  return output.isTTY === true ? 'pretty' : 'json';
}

/**
 * Structured logs (pino) that never carry a secret: no headers, redacted bodies and query tokens.
 * JSON on stdout, unless stdout is a terminal: then the same records as pino-pretty lines.
 */
export function loggerOptions(
  config: Pick<Config, 'logLevel'>,
  output: LogOutput = process.stdout,
): FastifyLoggerOptions & PinoLoggerOptions & { stream?: LogOutput } {
  return {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'password',
        'secret',
        'token',
        '*.password',
        '*.secret',
        '*.token',
      ],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(SECRET_QUERY, '$1[redacted]'),
        address: req.ip,
      }),
    },
    ...(logFormat(output) === 'pretty' && { stream: prettyStream(output) }),
  };
}

function prettyStream(output: LogOutput): LogOutput {
  // Loaded only for a terminal: a server whose logs are collected never reads the module.
  const pretty = createRequire(import.meta.url)('pino-pretty') as (options: PrettyOptions) => LogOutput;
  return pretty({
    destination: output as PrettyOptions['destination'],
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
  });
}

// Credentials in URLs, Authorization values, provider keys and Hangar's own secrets (`hgr_…`, `whsec_…`).
const SECRETS: [RegExp, string][] = [
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1[redacted]@'],
  [SECRET_QUERY, '$1[redacted]'],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, '$1 [redacted]'],
  [/\bsk-[A-Za-z0-9_-]{16,}/g, '[redacted]'],
  [/\bAIza[A-Za-z0-9_-]{30,}/g, '[redacted]'],
  [/\b[a-z]+_[A-Za-z0-9_-]{40,}/g, '[redacted]'],
];

/** Redacts what looks like a credential in a text meant for a log line. */
export function scrubSecrets(text: string): string {
  return SECRETS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/**
 * An unexpected error as a log line may carry it: its type, message and stack with credentials
 * redacted, and none of its other properties (a client library's error may hold a request's headers).
 */
export function safeError(error: unknown): { type: string; message: string; stack?: string } {
  if (!(error instanceof Error)) return { type: typeof error, message: scrubSecrets(String(error)) };
  return {
    type: error.name,
    message: scrubSecrets(error.message),
    ...(error.stack !== undefined && { stack: scrubSecrets(error.stack) }),
  };
}
