import { apiTokenList, createdToken, createTokenRequest, idParams, okResponse } from '@hangar/protocol';
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
        body: createTokenRequest,
        response: { 201: createdToken },
      },
    },
    async (request, reply) => {
      const { row, secret } = await services.tokens.create(principalOf(request).user.id, request.body);
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
