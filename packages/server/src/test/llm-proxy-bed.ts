import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { expect } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from './server.js';
import { createWorkspace } from './workspaces.js';

export const REAL_KEY = 'sk-real-provider-key-0123456789abcdef';

/** A server whose providers anthropic, openai and gemini all point at one scripted provider. */
export interface LlmProxyBed {
  provider: ScriptedProvider;
  server: TestServer;
  admin: TestClient;
  workspaceId: string;
  /** The workspace token: what a sandbox sends as its API key. */
  token: string;
  /** The proxy's URL for a provider, e.g. `${server.url}/llm/anthropic`. */
  base(provider: 'anthropic' | 'openai' | 'gemini'): string;
  stop(): Promise<void>;
}

export async function startLlmProxyBed(
  scenario: ScenarioInput,
  templates: Record<string, unknown> = { plain: { driver: 'host', network: 'full' } },
): Promise<LlmProxyBed> {
  const provider = await startScriptedProvider({ scenario });
  const providers = Object.fromEntries(
    (['anthropic', 'openai', 'gemini'] as const).map((kind) => [kind, { kind, baseUrl: provider.url }]),
  );
  const server = await startTestServer({
    env: {
      HANGAR_PROVIDERS: JSON.stringify(providers),
      HANGAR_PRICING: JSON.stringify({ '*': { input: 2, output: 10, cacheRead: 0.5, cacheWrite: 3 } }),
      HANGAR_TEMPLATES: JSON.stringify(templates),
      HANGAR_DEFAULT_TEMPLATE: Object.keys(templates)[0]!,
    },
  });
  const admin = await setupAdmin(server);
  for (const name of Object.keys(providers)) {
    const put = await admin.request('PUT', `/api/admin/providers/${name}/key`, { key: REAL_KEY });
    expect(put.status).toBe(200);
  }
  const ws = await createWorkspace(admin, { name: 'llm-bed' });
  const exec = await admin.post(`/api/workspaces/${ws.body.id}/exec`, {
    command: ['printenv', 'HANGAR_TOKEN'],
  });
  const token = exec.body.stdout.trim();
  expect(token).toMatch(/^hws_/);
  return {
    provider,
    server,
    admin,
    workspaceId: ws.body.id,
    token,
    base: (name) => `${server.url}/llm/${name}`,
    async stop() {
      await server.stop();
      await provider.close();
    },
  };
}

/** Every llm_calls row, oldest first. */
export async function llmCalls(server: TestServer) {
  return server.store.db.selectFrom('llm_calls').selectAll().orderBy('created_at', 'asc').execute();
}
