import { changePasswordRequest, me, okResponse, updateMeRequest } from '@hangar/protocol';
import { principalOf, sessionMeta } from '../auth.js';
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
        summary: 'Change your password; your other sessions end at once, your API tokens too if asked',
        description:
          'Only in a session signed in with the password (not with an API token). The current password is checked under the login throttle. `revokeTokens` (default false) revokes every API token of yours.',
        body: changePasswordRequest,
        response: { 200: okResponse },
      },
    },
    async (request) => {
      const { currentPassword, newPassword, revokeTokens = false } = request.body;
      await services.auth.changePassword(
        principalOf(request),
        { currentPassword, newPassword, revokeTokens },
        sessionMeta(request),
      );
      return { ok: true as const };
    },
  );
}
