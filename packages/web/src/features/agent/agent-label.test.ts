import { describe, expect, it } from 'vitest';
import { agentAndModel, agentLabel } from './agent-label';

describe('agent labels', () => {
  const catalog = [
    { name: 'claude-code', label: 'Claude Code' },
    { name: 'codex', label: 'Codex' },
  ];

  it("shows the catalog's display name, and the id only while the catalog loads", () => {
    expect(agentLabel(catalog, 'claude-code')).toBe('Claude Code');
    expect(agentLabel(undefined, 'claude-code')).toBe('claude-code');
    expect(agentLabel(catalog, 'retired-agent')).toBe('retired-agent');
  });

  it('puts a dot only between the agent and a model', () => {
    expect(agentAndModel('Claude Code', 'claude-sonnet-4')).toBe('Claude Code · claude-sonnet-4');
    expect(agentAndModel('Claude Code', '')).toBe('Claude Code');
    expect(agentAndModel('Claude Code', '  ')).toBe('Claude Code');
  });
});
