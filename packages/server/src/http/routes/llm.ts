import type { App, AppContext } from '../types.js';

/**
 * /llm/<provider>/… forwards to the provider, authenticated by a workspace
 * token (not a user's session): see llm/proxy.ts. The token, the endpoint and
 * the proxy's limits are checked before the body is read; bodies are read as
 * bytes up to the proxy's limit. Every method is routed, so that a refused
 * one gets the proxy's own answer (405 with a stable id).
 */
export async function llmRoutes(app: App, { services }: AppContext) {
  const { proxy } = services.llm;
  const bodyLimit = proxy.limits.values.maxBodyBytes;
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) =>
      done(null, body),
    );
    scope.addHook<{ Params: { provider: string } }>('onRequest', async (request, reply) => {
      if (!(await proxy.admit(request, reply))) return reply;
    });
    scope.all<{ Params: { provider: string; '*': string } }>(
      '/llm/:provider/*',
      { schema: { hide: true }, bodyLimit },
      (request, reply) => proxy.handle(request, reply),
    );
  });
}
