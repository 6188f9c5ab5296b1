import { apiTokenList, createdToken, createTokenRequest, idParams, okResponse } from '@hangar/protocol';
import { errors } from '../../errors.js';
import { principalOf } from '../auth.js';
import { presentToken } from '../presenters.js';
import type { App, AppContext } from '../types.js';

export async function tokenRoutes(app: App, { services }: AppContext) {
  app.get(
    '/api/tokens',
    { schema: { tags: ['tokens'], response: { 200: apiTokenList } } },
    async (request) => ({
      tokens: (await services.tokens.list(principalOf(request).user.id)).map(presentToken),
    }),
  );

  app.post(
    '/api/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token; the secret is in this response only',
        description:
          'Only in a session signed in with the password: an API token cannot create tokens (one it made could outlive it, expired or revoked).',
        body: createTokenRequest,
        response: { 201: createdToken },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (principal.via === 'token')
        throw errors.needsPassword('create API tokens', 'a token made by a token could outlive it');
      const { row, secret } = await services.tokens.create(principal.user.id, request.body);
      return reply.status(201).send({ token: presentToken(row), secret });
    },
  );

  app.delete(
    '/api/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token at once',
        params: idParams,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await services.tokens.revoke(principalOf(request).user.id, request.params.id);
      return { ok: true as const };
    },
  );
}
