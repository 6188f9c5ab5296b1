import { changePasswordRequest, me, okResponse, updateMeRequest } from '@hangar/protocol';
import { principalOf } from '../auth.js';
import { presentUser } from '../presenters.js';
import type { App, AppContext } from '../types.js';

export async function meRoutes(app: App, { services, config }: AppContext) {
  app.get('/api/me', { schema: { tags: ['me'], response: { 200: me } } }, async (request) => ({
    user: presentUser(principalOf(request).user),
    authMode: config.auth,
  }));

  app.patch(
    '/api/me',
    { schema: { tags: ['me'], body: updateMeRequest, response: { 200: me } } },
    async (request) => {
      const user = await services.accounts.update(principalOf(request).user.id, request.body);
      return { user: presentUser(user), authMode: config.auth };
    },
  );

  app.post(
    '/api/me/password',
    {
      schema: {
        tags: ['me'],
        summary: 'Change your password; your other sessions end at once',
        body: changePasswordRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      await services.auth.changePassword(
        principalOf(request),
        request.body.currentPassword,
        request.body.newPassword,
      );
      return { ok: true as const };
    },
  );
}
