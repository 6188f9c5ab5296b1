import type { AGUIEvent } from '@ag-ui/core';
import { EventSchemas } from '@ag-ui/core/schemas';
import { z } from 'zod';
import { id, timestamp } from './common.js';

/**
 * Agent sessions speak one event stream: AG-UI events (RUN_*, TEXT_MESSAGE_*,
 * REASONING_*, TOOL_CALL_*, MESSAGES_SNAPSHOT, STATE_*), plus Hangar's own as
 * AG-UI CUSTOM events named below. Each stored event has a per-session,
 * increasing id; SSE resumes from `Last-Event-ID`.
 */
export type AgentEvent = AGUIEvent;
export { EventType } from '@ag-ui/core';
export const agentEvent: z.ZodType<AgentEvent> = EventSchemas;

export const sessionStatus = z.enum(['starting', 'working', 'awaiting_approval', 'idle', 'error', 'stopped']);
export type SessionStatus = z.infer<typeof sessionStatus>;

/** Names of Hangar's CUSTOM events and the shape of their `value`. */
export const HANGAR_EVENT = {
  status: 'hangar.status',
  permissionRequest: 'hangar.permission_request',
  permissionAnswer: 'hangar.permission_answer',
  /** One model call of the session as the LLM proxy metered and charged it (tokens and cost). */
  usage: 'hangar.usage',
  /** The agent's own usage report, kept as it said it; not summed (the proxy's `usage` is). */
  agentUsage: 'hangar.agent_usage',
  fileChange: 'hangar.file_change',
  userMessage: 'hangar.user_message',
  modelChange: 'hangar.model_change',
} as const;

export const statusValue = z.object({
  status: sessionStatus,
  stalled: z.boolean(),
  message: z.string().optional(),
  /** For `stopped`: who stopped it (null: Hangar itself, e.g. an idle workspace's stop). */
  stoppedBy: id.nullable().optional(),
  /** For `stopped`: it stopped with its workspace, and resumes when the workspace starts. */
  withWorkspace: z.boolean().optional(),
});
export const permissionRequestValue = z.object({
  requestId: z.string(),
  toolCallId: z.string().optional(),
  toolName: z.string(),
  input: z.unknown(),
  /** What the agent says it wants to do, for the card's title. */
  summary: z.string().optional(),
});
export const permissionDecision = z.enum(['allow', 'deny', 'allow_session']);
export type PermissionDecision = z.infer<typeof permissionDecision>;
export const permissionAnswerValue = z.object({
  requestId: z.string(),
  decision: permissionDecision,
  reason: z.string().optional(),
  answeredBy: id.nullable(),
});
export const usageValue = z.object({
  inputTokens: z.number().int(),
  outputTokens: z.number().int(),
  cacheReadTokens: z.number().int(),
  cacheWriteTokens: z.number().int(),
  costUsd: z.number(),
  /** The model billed and the proxy's record of the call (`hangar.usage` events). */
  model: z.string().optional(),
  callId: z.string().optional(),
});
export const fileChangeValue = z.object({
  path: z.string(),
  change: z.enum(['created', 'modified', 'deleted']),
});
export const userMessageValue = z.object({
  messageId: z.string(),
  text: z.string(),
  authorId: id.nullable(),
});

export const modelChangeValue = z.object({
  from: z.string(),
  model: z.string(),
  changedBy: id.nullable(),
});

export const storedEvent = z.object({
  id: z.number().int().positive(),
  sessionId: id,
  at: timestamp,
  event: agentEvent,
});
export type StoredEvent = z.infer<typeof storedEvent>;

export const permissionMode = z.enum(['ask', 'allow_edits', 'allow_all']);
export type PermissionModeName = z.infer<typeof permissionMode>;

export const session = z.object({
  id,
  workspaceId: id,
  agent: z.string(),
  model: z.string(),
  status: sessionStatus,
  /** Working, but no event for longer than the server's stall time. */
  stalled: z.boolean(),
  title: z.string(),
  permissionMode,
  /** Why the session is in `error`. */
  error: z.string().nullable(),
  createdBy: id.nullable(),
  createdAt: timestamp,
  updatedAt: timestamp,
  lastEventAt: timestamp,
});
export type Session = z.infer<typeof session>;
export const sessionList = z.object({ sessions: z.array(session) });
export const sessionWithEvents = z.object({ session, events: z.array(storedEvent) });

export const createSessionRequest = z.strictObject({
  workspaceId: id,
  agent: z.string().min(1).max(40),
  /** A model the agent's registry entry lists; its default when omitted. */
  model: z.string().min(1).max(200).optional(),
  /** The first message; the session waits for one when omitted. */
  prompt: z.string().min(1).max(200_000).optional(),
  permissionMode: permissionMode.default('ask'),
});
export const sendMessageRequest = z.strictObject({ text: z.string().min(1).max(200_000) });
/** `sent`: a new turn; `queued`: runs after the current turn; `steered`: added to the running turn. */
export const messageDelivery = z.enum(['sent', 'queued', 'steered']);
export const sendMessageResponse = z.object({ ok: z.literal(true), delivery: messageDelivery });
export type SendMessageResponse = z.infer<typeof sendMessageResponse>;
/** PATCH /api/sessions/:id: a model the agent's registry entry lists (agents whose capabilities say modelSwitch). */
export const updateSessionRequest = z.strictObject({ model: z.string().min(1).max(200) });
export const answerPermissionRequest = z.strictObject({
  requestId: z.string().min(1).max(200),
  decision: permissionDecision,
  /** Told to the agent when denying. */
  reason: z.string().max(2000).optional(),
});
export const sessionListQuery = z.strictObject({ workspace: id });

export const agentInfo = z.object({
  name: z.string(),
  label: z.string(),
  experimental: z.boolean(),
  unavailable: z.string().nullable(),
  capabilities: z.object({
    streaming: z.boolean(),
    reasoning: z.boolean(),
    approvals: z.boolean(),
    interrupt: z.boolean(),
    resume: z.boolean(),
    modelSwitch: z.boolean(),
    steering: z.boolean(),
    perTurnDiff: z.boolean(),
  }),
  models: z.array(z.object({ id: z.string(), label: z.string(), provider: z.string() })),
  defaultModel: z.string().nullable(),
});
export const agentList = z.object({ agents: z.array(agentInfo) });
