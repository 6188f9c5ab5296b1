import { authStatus, loginRequest, me, okResponse, setupRequest } from '@hangar/protocol';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from '../../errors.js';
import { clearSessionCookie, sessionMeta, setSessionCookie } from '../auth.js';
import { presentUser } from '../presenters.js';
import type { App, AppContext } from '../types.js';
import { VERSION } from '../../version.js';

export async function authRoutes(app: App, ctx: AppContext) {
  const { services, config } = ctx;

  app.get(
    '/api/auth/status',
    { config: { access: 'public' }, schema: { tags: ['auth'], response: { 200: authStatus } } },
    async () => ({
      authMode: config.auth,
      setupRequired: config.auth === 'password' && (await services.auth.setupRequired()),
      version: VERSION,
      demo: config.demo,
    }),
  );

  app.post(
    '/api/auth/setup',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Create the first admin with the one-time token printed at first start',
        body: setupRequest,
        response: { 200: me },
      },
    },
    async (request, reply) => {
      if (config.auth === 'none') throw errors.authDisabled();
      const { user, secret } = await services.auth.completeSetup(request.body, sessionMeta(request));
      rmSync(join(config.dataDir, 'setup-url'), { force: true });
      setSessionCookie(ctx, request, reply, secret);
      return { user: presentUser(user), authMode: config.auth };
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { access: 'public' },
      schema: {
        tags: ['auth'],
        summary: 'Log in with a password; sets the session cookie',
        body: loginRequest,
        response: { 200: me },
      },
    },
    async (request, reply) => {
      if (config.auth === 'none') throw errors.authDisabled();
      const { username, password } = request.body;
      const { user, secret } = await services.auth.login(username, password, sessionMeta(request));
      setSessionCookie(ctx, request, reply, secret);
      return { user: presentUser(user), authMode: config.auth };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      config: { access: 'public' },
      schema: { tags: ['auth'], summary: 'End this browser session at once', response: { 200: okResponse } },
    },
    async (request, reply) => {
      if (request.principal?.sessionId) await services.sessions.revoke(request.principal.sessionId);
      clearSessionCookie(reply);
      return { ok: true as const };
    },
  );
}
