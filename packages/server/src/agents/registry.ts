import type { AgentAdapter } from './adapter.js';
import { ClaudeCodeAdapter } from './claude-code/index.js';
import { codexAdapter } from './codex/index.js';
import { geminiAdapter } from './gemini/index.js';
import { piAdapter } from './pi/index.js';

/**
 * The agent adapters this server offers, by name: the only place that knows
 * the concrete adapters (one folder each under agents/). Routes and services
 * see the AgentAdapter interface only.
 */
export function createAgentAdapters(enabledExperimental: readonly string[] = []): Map<string, AgentAdapter> {
  const adapters = new Map<string, AgentAdapter>();
  const all: AgentAdapter[] = [new ClaudeCodeAdapter(), codexAdapter, piAdapter, geminiAdapter];
  for (const adapter of all) {
    if (!adapter.experimental || enabledExperimental.includes(adapter.name))
      adapters.set(adapter.name, adapter);
  }
  return adapters;
}
