/** The name people read for an agent ("Claude Code"), from the catalog; its id until the catalog has loaded. */
export function agentLabel(
  agents: readonly { name: string; label: string }[] | undefined,
  name: string,
): string {
  return agents?.find((agent) => agent.name === name)?.label ?? name;
}

/** "Claude Code · claude-sonnet-4" or just "Claude Code": no separator with nothing after it. */
export function agentAndModel(label: string, model: string): string {
  return model.trim() ? `${label} · ${model}` : label;
}
