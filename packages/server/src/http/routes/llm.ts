import type { App, AppContext } from '../types.js';

/** Requests to the proxy carry whole conversations: far larger than API bodies. */
const LLM_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

/**
 * /llm/<provider>/… forwards to the provider, authenticated by a workspace
 * token (not a user's session): see llm/proxy.ts. Bodies pass through as bytes.
 */
export async function llmRoutes(app: App, { services }: AppContext) {
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      '*',
      { parseAs: 'buffer', bodyLimit: LLM_BODY_LIMIT_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.all<{ Params: { provider: string; '*': string } }>(
      '/llm/:provider/*',
      { schema: { hide: true }, bodyLimit: LLM_BODY_LIMIT_BYTES },
      (request, reply) => services.llm.proxy.handle(request, reply),
    );
  });
}
