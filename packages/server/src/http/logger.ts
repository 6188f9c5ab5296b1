import type { FastifyLoggerOptions, PinoLoggerOptions } from 'fastify/types/logger.js';
import type { Config } from '../config/index.js';

// Query parameters that carry secrets (invitation and setup links).
const SECRET_QUERY = /([?&](?:token|setupToken|secret|key)=)[^&]*/gi;

/** Structured JSON logs (pino) that never carry a secret: no headers, redacted bodies and query tokens. */
export function loggerOptions(config: Pick<Config, 'logLevel'>): FastifyLoggerOptions & PinoLoggerOptions {
  return {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.secret', '*.token'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string }) => ({
        method: req.method,
        url: req.url.replace(SECRET_QUERY, '$1[redacted]'),
        address: req.ip,
      }),
    },
  };
}
