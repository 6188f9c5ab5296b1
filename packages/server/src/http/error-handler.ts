import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { HangarError, errors } from '../errors.js';

/** Fastify's limit on one path parameter (its default); longer ones get 414. */
export const MAX_PARAM_LENGTH = 100;

/** The one place where any thrown error becomes an HTTP answer. */
export function handleError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const known = toHangarError(error, request);
  if (known.status >= 500) request.log.error({ err: error }, 'request failed');
  if (known.extra.retryAfter !== undefined) void reply.header('retry-after', String(known.extra.retryAfter));
  return reply.status(known.status).send({
    error: { id: known.id, message: known.message, ...known.extra },
  });
}

export function toHangarError(error: FastifyError | Error, request: FastifyRequest): HangarError {
  if (error instanceof HangarError) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const details = error.validation.map((v) => ({
      where: error.validationContext ?? 'body',
      path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
      message: v.message ?? 'is not valid',
    }));
    const first = details[0];
    const summary = first
      ? `${first.where}${first.path ? `.${first.path}` : ''}: ${first.message}`
      : 'see details';
    return errors.validation(details, `The request is not valid: ${summary}.`);
  }
  const code = 'code' in error ? error.code : undefined;
  switch (code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return errors.invalidJson(error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson('the body is empty; send {} or leave out the Content-Type header');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(request.routeOptions.bodyLimit ?? 0);
    case 'FST_ERR_BAD_URL':
      return errors.badUrl();
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return errors.paramTooLong(MAX_PARAM_LENGTH);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return errors.unsupportedMediaType(String(request.headers['content-type'] ?? 'none'));
  }
  if (error instanceof SyntaxError && 'statusCode' in error && error.statusCode === 400) {
    return errors.invalidJson(error.message);
  }
  const status = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500;
  if (status >= 400 && status < 500) return new HangarError('bad_request', status, error.message);
  return errors.internal();
}
