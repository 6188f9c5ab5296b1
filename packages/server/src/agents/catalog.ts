import type { Config } from '../config/index.js';
import type { AgentAdapter } from './adapter.js';

export interface AgentModel {
  id: string;
  label: string;
  provider: string;
}

/** Models each agent offers by default (the first is its default); config may replace a list. */
export const DEFAULT_AGENT_MODELS: Record<string, AgentModel[]> = {
  'claude-code': [
    { id: 'claude-sonnet-4-5', label: 'Claude Sonnet 4.5', provider: 'anthropic' },
    { id: 'claude-opus-4-5', label: 'Claude Opus 4.5', provider: 'anthropic' },
  ],
  codex: [
    { id: 'gpt-5-codex', label: 'GPT-5 Codex', provider: 'openai' },
    { id: 'gpt-5', label: 'GPT-5', provider: 'openai' },
  ],
  pi: [
    { id: 'claude-sonnet-4-5', label: 'Claude Sonnet 4.5', provider: 'anthropic' },
    { id: 'claude-opus-4-5', label: 'Claude Opus 4.5', provider: 'anthropic' },
  ],
  gemini: [
    { id: 'gemini-2.5-pro', label: 'Gemini 2.5 Pro', provider: 'gemini' },
    { id: 'gemini-2.5-flash', label: 'Gemini 2.5 Flash', provider: 'gemini' },
  ],
};

/** The agent registry: adapters with their capabilities, availability and models. */
export class AgentCatalog {
  constructor(
    private readonly adapters: ReadonlyMap<string, AgentAdapter>,
    private readonly config: Pick<Config, 'demo'>,
  ) {}

  models(agent: string): AgentModel[] {
    const models = DEFAULT_AGENT_MODELS[agent] ?? [];
    // In demo mode every agent talks to the scripted demo model first.
    return this.config.demo
      ? [{ id: 'hangar-demo', label: 'Hangar demo (scripted)', provider: 'demo' }, ...models]
      : models;
  }

  async defaultModel(agent: string): Promise<string | undefined> {
    return this.models(agent)[0]?.id;
  }

  async list() {
    return Promise.all(
      [...this.adapters.values()].map(async (adapter) => ({
        name: adapter.name,
        label: adapter.label,
        experimental: adapter.experimental,
        unavailable: (await adapter.unavailableReason()) ?? null,
        capabilities: adapter.capabilities,
        models: this.models(adapter.name),
        defaultModel: this.models(adapter.name)[0]?.id ?? null,
      })),
    );
  }
}
