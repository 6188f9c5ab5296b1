import type { ScenarioInput } from '@hangar/llm-scripted';
import { expect } from 'vitest';
import type { PermissionModeName } from '@hangar/protocol';
import type { AgentTestbed } from './agent-testbed.js';

type ScenarioTurnInput = NonNullable<ScenarioInput['turns']>[number];

/** The prompt of the read-only turn; the reason a person gives for denying its tool call. */
export const READ_PROMPT = 'Look at the files';
export const DENY_REASON = 'Not the files today, thanks';

/** A scripted turn calling one read-only tool of the agent (`ls`, Read…) when asked to look at the files. */
export function readOnlyTurn(toolCall: { name: string; input: Record<string, unknown> }): ScenarioTurnInput {
  return {
    name: 'read-only',
    match: { lastUserText: '/look at the files/i', step: 1 },
    reply: { text: 'I will look at the files.', toolCalls: [toolCall] },
  };
}

export interface AskOptions {
  agent: string;
  model: string;
  /** The tool the permission request names. */
  toolName: string;
  permissionMode?: PermissionModeName;
}

/**
 * "Ask before every tool" asks before a read-only tool too (the scenario has `readOnlyTurn`), and
 * the reason a person gives for denying it reaches the agent: the model's next request holds it.
 */
export async function expectReadAskedAndDenialTold(bed: AgentTestbed, options: AskOptions): Promise<void> {
  const { admin, provider, workspaceId, get, settle, permissionRequest } = bed;
  const created = await admin.post('/api/sessions', {
    workspaceId,
    agent: options.agent,
    model: options.model,
    prompt: READ_PROMPT,
    permissionMode: options.permissionMode ?? 'ask',
  });
  expect(created.status).toBe(201);
  const id = created.body.id as string;

  const asked = await settle(id, 0);
  const request = permissionRequest(asked);
  expect(request, `no permission request: ${JSON.stringify(asked.map((e) => e.event))}`).toBeDefined();
  expect(request).toMatchObject({ toolName: options.toolName });
  expect((await get(id)).session.status).toBe('awaiting_approval');

  const answer = { requestId: request!.requestId, decision: 'deny', reason: DENY_REASON };
  expect((await admin.post(`/api/sessions/${id}/permissions`, answer)).status).toBeLessThan(300);
  const after = await settle(id, 0);
  expect(after.map((e) => e.event.type)).toContain('RUN_FINISHED');
  const result = after.find((e) => e.event.type === 'TOOL_CALL_RESULT')?.event.content;
  expect(result).toContain(DENY_REASON);
  expect(result).not.toMatch(/not told/);

  // The model's request after the one that called the tool (in this conversation) carries the reason.
  const calls = provider.requests.filter((r) => JSON.stringify(r.body).includes(READ_PROMPT));
  const index = calls.findLastIndex((r) => r.turn?.name === 'read-only');
  expect(index).toBeGreaterThanOrEqual(0);
  expect(JSON.stringify(calls[index + 1]?.body)).toContain(DENY_REASON);
  expect((await admin.post(`/api/sessions/${id}/stop`)).status).toBeLessThan(300);
}
