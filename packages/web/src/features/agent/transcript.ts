import {
  EventType,
  HANGAR_EVENT,
  foldSessionState,
  initialSessionState,
  permissionAnswerValue,
  permissionRequestValue,
  modelChangeValue,
  userMessageValue,
  type AgentEvent,
  type PermissionDecision,
  type SessionState,
  type SessionStatus,
  type StoredEvent,
} from '@hangar/protocol';

/**
 * Folds a session's event stream into what the chat shows. Pure, so the
 * snapshot and the live stream go through the same code, and items that did
 * not change keep their identity (memoised rows skip re-rendering).
 */

export interface UserItem {
  kind: 'user';
  key: string;
  text: string;
  authorId: string | null;
}
export interface AssistantItem {
  kind: 'assistant';
  key: string;
  text: string;
  streaming: boolean;
}
export interface ReasoningItem {
  kind: 'reasoning';
  key: string;
  text: string;
  streaming: boolean;
}
export interface ToolItem {
  kind: 'tool';
  key: string;
  name: string;
  /** The arguments as streamed (usually JSON). */
  args: string;
  result: string | null;
  error: string | null;
  /** Epoch ms; `endedAt` is null until the result arrives. */
  startedAt: number;
  endedAt: number | null;
}
export interface PermissionItem {
  kind: 'permission';
  key: string;
  requestId: string;
  toolCallId: string | null;
  toolName: string;
  input: unknown;
  summary: string | null;
  answer: { decision: PermissionDecision; reason: string | null; answeredBy: string | null } | null;
}
export interface ErrorItem {
  kind: 'error';
  key: string;
  message: string;
  /** A turn cut by a person's stop (`RUN_ERROR` code `stopped`): said as a stop, not a failure. */
  stopped: boolean;
}
/** The end of a turn: where what the turn changed in the workspace is shown. */
export interface TurnEndItem {
  kind: 'turn-end';
  key: string;
  /** The run id of the turn, which names its recorded diff. */
  runId: string;
}
export type TranscriptItem =
  UserItem | AssistantItem | ReasoningItem | ToolItem | PermissionItem | ErrorItem | TurnEndItem;

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

export interface Transcript {
  items: readonly TranscriptItem[];
  /** Position of each item by key, to update streaming items in place. */
  positions: ReadonlyMap<string, number>;
  /** The session's state as the shared fold of its events says it (@hangar/protocol's foldSessionState). */
  session: SessionState;
  /** The fold's status, or the session's as loaded while no event said one yet. */
  status: SessionStatus | null;
  stalled: boolean;
  statusMessage: string | null;
  /** Summed over the session's `hangar.usage` events; null when there were none. */
  usage: Usage | null;
  /** Permission requests not answered yet. */
  pending: readonly string[];
  /** The model of the last `hangar.model_change`; null when the session kept its first model. */
  model: string | null;
  /** The last event folded in, to resume the stream after it. */
  lastEventId: number;
}

export const emptyTranscript: Transcript = {
  items: [],
  positions: new Map(),
  session: initialSessionState,
  status: null,
  stalled: false,
  statusMessage: null,
  usage: null,
  pending: [],
  model: null,
  lastEventId: 0,
};

/** A mutable working copy for one batch of events. */
class Draft {
  items: TranscriptItem[];
  positions: Map<string, number>;
  next: Omit<Transcript, 'items' | 'positions'>;

  constructor(base: Transcript) {
    this.items = base.items.slice();
    this.positions = new Map(base.positions);
    const { items: _items, positions: _positions, ...rest } = base;
    this.next = rest;
  }

  get(key: string): TranscriptItem | undefined {
    const index = this.positions.get(key);
    return index === undefined ? undefined : this.items[index];
  }

  put(item: TranscriptItem): void {
    const index = this.positions.get(item.key);
    if (index === undefined) {
      this.positions.set(item.key, this.items.length);
      this.items.push(item);
    } else this.items[index] = item;
  }

  /** Replaces the item of `key` and `kind` with `update(item)`; ignores unknown keys. */
  update<K extends TranscriptItem['kind']>(
    key: string,
    kind: K,
    update: (item: Extract<TranscriptItem, { kind: K }>) => Extract<TranscriptItem, { kind: K }>,
  ): void {
    const item = this.get(key);
    if (item?.kind === kind) this.put(update(item as Extract<TranscriptItem, { kind: K }>));
  }

  done(): Transcript {
    return { ...this.next, items: this.items, positions: this.positions };
  }
}

// Keys are namespaced: an agent may reuse one id for a message and its tool call.
const textKey = (id: string) => `text:${id}`;
const reasoningKey = (id: string) => `reasoning:${id}`;
const toolKey = (id: string) => `tool:${id}`;
const permissionKey = (id: string) => `permission:${id}`;

export function foldEvents(base: Transcript, events: readonly StoredEvent[]): Transcript {
  const fresh = events.filter((stored) => stored.id > base.lastEventId);
  if (fresh.length === 0) return base;
  const draft = new Draft(base);
  for (const stored of fresh) {
    apply(draft, stored.event, Date.parse(stored.at), stored.id);
    draft.next.session = foldSessionState(draft.next.session, stored);
    draft.next.lastEventId = stored.id;
  }
  const state = draft.next.session;
  if (state.status !== null) {
    draft.next.status = state.status;
    draft.next.stalled = state.stalled;
    draft.next.statusMessage = state.message;
  }
  draft.next.usage = state.usage.calls === 0 ? null : usageOf(state);
  draft.next.pending = state.pending;
  return draft.done();
}

function usageOf(state: SessionState): Usage {
  const { inputTokens, outputTokens, costUsd } = state.usage;
  return { inputTokens, outputTokens, costUsd };
}

function appendText(draft: Draft, key: string, kind: 'assistant' | 'reasoning', delta: string): void {
  const item = draft.get(key);
  if (item?.kind === kind) draft.put({ ...item, text: item.text + delta });
  else draft.put({ kind, key, text: delta, streaming: true });
}

function apply(draft: Draft, event: AgentEvent, at: number, eventId: number): void {
  switch (event.type) {
    case EventType.TEXT_MESSAGE_START:
      if (!draft.get(textKey(event.messageId)))
        draft.put({ kind: 'assistant', key: textKey(event.messageId), text: '', streaming: true });
      return;
    case EventType.TEXT_MESSAGE_CONTENT:
      return appendText(draft, textKey(event.messageId), 'assistant', event.delta);
    case EventType.TEXT_MESSAGE_CHUNK:
      return appendText(draft, textKey(event.messageId ?? 'chunk'), 'assistant', event.delta ?? '');
    case EventType.TEXT_MESSAGE_END:
      return draft.update(textKey(event.messageId), 'assistant', (item) => ({ ...item, streaming: false }));
    case EventType.REASONING_MESSAGE_START:
      if (!draft.get(reasoningKey(event.messageId)))
        draft.put({ kind: 'reasoning', key: reasoningKey(event.messageId), text: '', streaming: true });
      return;
    case EventType.REASONING_MESSAGE_CONTENT:
      return appendText(draft, reasoningKey(event.messageId), 'reasoning', event.delta);
    case EventType.REASONING_MESSAGE_CHUNK:
      return appendText(draft, reasoningKey(event.messageId ?? 'chunk'), 'reasoning', event.delta ?? '');
    case EventType.REASONING_MESSAGE_END:
    case EventType.REASONING_END:
      return draft.update(reasoningKey(event.messageId), 'reasoning', (item) => ({
        ...item,
        streaming: false,
      }));
    case EventType.TOOL_CALL_START:
      if (!draft.get(toolKey(event.toolCallId)))
        draft.put({
          kind: 'tool',
          key: toolKey(event.toolCallId),
          name: event.toolCallName,
          args: '',
          result: null,
          error: null,
          startedAt: at,
          endedAt: null,
        });
      return;
    case EventType.TOOL_CALL_ARGS:
      return draft.update(toolKey(event.toolCallId), 'tool', (item) => ({
        ...item,
        args: item.args + event.delta,
      }));
    case EventType.TOOL_CALL_RESULT:
      return draft.update(toolKey(event.toolCallId), 'tool', (item) => ({
        ...item,
        result: contentText(event.content),
        endedAt: at,
      }));
    case EventType.RUN_ERROR:
      closeOpenItems(draft, event.message);
      draft.put({
        kind: 'error',
        key: `error:${eventId}`,
        message: event.message,
        stopped: event.code === 'stopped',
      });
      return;
    case EventType.RUN_FINISHED:
      closeOpenItems(draft, null);
      draft.put({ kind: 'turn-end', key: `turn:${event.runId}`, runId: event.runId });
      return;
    case EventType.CUSTOM:
      return applyCustom(draft, event.name, event.value);
    default:
      return;
  }
}

/** At the end of a run nothing streams any more; tools still waiting get `error` when the run failed. */
function closeOpenItems(draft: Draft, error: string | null): void {
  draft.items.forEach((item) => {
    if ((item.kind === 'assistant' || item.kind === 'reasoning') && item.streaming)
      draft.put({ ...item, streaming: false });
    else if (item.kind === 'tool' && item.result === null && item.error === null && error !== null)
      draft.put({ ...item, error });
  });
}

function applyCustom(draft: Draft, name: string, value: unknown): void {
  switch (name) {
    case HANGAR_EVENT.userMessage: {
      const parsed = userMessageValue.safeParse(value);
      if (parsed.success)
        draft.put({
          kind: 'user',
          key: `user:${parsed.data.messageId}`,
          text: parsed.data.text,
          authorId: parsed.data.authorId,
        });
      return;
    }
    case HANGAR_EVENT.permissionRequest: {
      const parsed = permissionRequestValue.safeParse(value);
      if (parsed.success)
        draft.put({
          kind: 'permission',
          key: permissionKey(parsed.data.requestId),
          requestId: parsed.data.requestId,
          toolCallId: parsed.data.toolCallId ?? null,
          toolName: parsed.data.toolName,
          input: parsed.data.input,
          summary: parsed.data.summary ?? null,
          answer: null,
        });
      return;
    }
    case HANGAR_EVENT.permissionAnswer: {
      const parsed = permissionAnswerValue.safeParse(value);
      if (!parsed.success) return;
      const { requestId, decision, reason, answeredBy } = parsed.data;
      const request = draft.get(permissionKey(requestId));
      draft.update(permissionKey(requestId), 'permission', (item) => ({
        ...item,
        answer: { decision, reason: reason ?? null, answeredBy },
      }));
      if (decision === 'deny' && request?.kind === 'permission' && request.toolCallId)
        draft.update(toolKey(request.toolCallId), 'tool', (item) => ({
          ...item,
          error: reason ? `Denied: ${reason}` : 'Denied',
        }));
      return;
    }
    case HANGAR_EVENT.modelChange: {
      const parsed = modelChangeValue.safeParse(value);
      if (parsed.success) draft.next.model = parsed.data.model;
      return;
    }
    default:
      return;
  }
}

/** A tool result as text: multimodal parts keep their text and name the rest. */
function contentText(content: string | readonly { type: string; text?: string }[]): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' ? (part.text ?? '') : `[${part.type}]`)).join('\n');
}

/** What the person typed, oldest first, for the composer's ↑ recall. */
export function userTexts(transcript: Transcript): string[] {
  return transcript.items.flatMap((item) => (item.kind === 'user' ? [item.text] : []));
}
