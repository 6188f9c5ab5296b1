import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import { MAX_CLIENT_FRAME_BYTES } from '@hangar/protocol';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { errors } from '../errors.js';
import { authHook } from './auth.js';
import { MAX_PARAM_LENGTH, handleError } from './error-handler.js';
import { registerOpenApi } from './openapi.js';
import { authRoutes } from './routes/auth.js';
import { diffRoutes } from './routes/diff.js';
import { chatRoutes } from './routes/chat.js';
import { fileRoutes } from './routes/files.js';
import { groupRoutes } from './routes/groups.js';
import { healthRoutes } from './routes/health.js';
import { invitationRoutes } from './routes/invitations.js';
import { meRoutes } from './routes/me.js';
import { notificationRoutes } from './routes/notifications.js';
import { presenceRoutes } from './routes/presence.js';
import { tokenRoutes } from './routes/tokens.js';
import { userRoutes } from './routes/users.js';
import { llmRoutes } from './routes/llm.js';
import { sessionRoutes } from './routes/sessions.js';
import { aguiRoutes } from './routes/agui.js';
import { terminalRoutes } from './routes/terminals.js';
import { usageRoutes } from './routes/usage.js';
import { webhookRoutes } from './routes/webhooks.js';
import { workspaceRoutes } from './routes/workspaces.js';
import { gitRoutes } from './routes/git.js';
import type { App, AppContext, RouteEntry } from './types.js';
import { registerSecurityHeaders, registerWebApp } from './web.js';
import { StreamRegistry, streamLimitHook } from './stream-limits.js';

/** Bodies above this many bytes are refused with 413 (uploads get their own limit). */
export const BODY_LIMIT_BYTES = 256 * 1024;

export async function buildApp(ctx: AppContext, logger: FastifyServerOptions['logger']): Promise<App> {
  const app = Fastify({
    logger,
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // URLs that fail before routing (bad %-escapes, over-long parameters) get the same error body.
    frameworkErrors: (error, request, reply) => void handleError(error, request, reply),
    // Request ids in logs, without trusting one a client sends.
    genReqId: () => Math.random().toString(36).slice(2, 10),
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(handleError);
  app.decorateRequest('principal', null);
  const catalog: RouteEntry[] = [];
  app.decorate('routeCatalog', catalog);
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const access = route.config?.access ?? (route.url.startsWith('/api/docs') ? 'public' : 'user');
    for (const method of methods) if (method !== 'HEAD') catalog.push({ method, url: route.url, access });
  });

  await app.register(cookie);
  await registerSecurityHeaders(app);
  // Frames above the protocol's limit get an error frame; only absurd ones are cut off by ws itself.
  await app.register(websocket, { options: { maxPayload: 16 * MAX_CLIENT_FRAME_BYTES } });
  await registerOpenApi(app);
  app.addHook('onRequest', authHook(ctx));
  app.addHook('preHandler', streamLimitHook(new StreamRegistry(ctx.config)));

  for (const routes of [
    healthRoutes,
    authRoutes,
    meRoutes,
    tokenRoutes,
    userRoutes,
    groupRoutes,
    invitationRoutes,
    workspaceRoutes,
    terminalRoutes,
    gitRoutes,
    fileRoutes,
    usageRoutes,
    sessionRoutes,
    aguiRoutes,
    diffRoutes,
    llmRoutes,
    chatRoutes,
    presenceRoutes,
    notificationRoutes,
    webhookRoutes,
  ]) {
    await routes(app, ctx);
  }

  const hasWeb = await registerWebApp(app, ctx.config.webDir);
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (path === '/api' || path.startsWith('/api/')) throw errors.routeNotFound(request.method, path);
    // Client routes get the app; a missing file (a stale asset, say) gets a real 404.
    const isFile = /\.[A-Za-z0-9]+$/.test(path);
    if (hasWeb && !isFile && (request.method === 'GET' || request.method === 'HEAD')) {
      return reply.sendFile('index.html');
    }
    return reply
      .status(404)
      .type('text/plain')
      .send(hasWeb ? 'Not found' : 'Not found: the web app is not built (run `npm run build`).');
  });
  return app;
}
