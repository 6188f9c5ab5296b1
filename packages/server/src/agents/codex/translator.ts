import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import { newId } from '../../common/crypto.js';
import {
  deltaNotification,
  errorNotification,
  errorText,
  itemNotification,
  tokenUsageNotification,
  turnCompleted,
  type ThreadItem,
  type TokenBreakdown,
} from './rpc.js';

type Open = { kind: 'text' | 'reasoning'; streamed: boolean };

/** The name a tool call card shows for a Codex item, or undefined for items that are not tool calls. */
export function toolName(item: Pick<ThreadItem, 'type' | 'server' | 'tool'>): string | undefined {
  switch (item.type) {
    case 'commandExecution':
      return 'exec_command';
    case 'fileChange':
      return 'apply_patch';
    case 'mcpToolCall':
      return `${item.server ?? 'mcp'}.${item.tool ?? 'tool'}`;
    default:
      return undefined;
  }
}

/** The arguments shown for a tool call. */
export function toolInput(item: ThreadItem): unknown {
  switch (item.type) {
    case 'commandExecution':
      return { command: item.commandActions?.[0]?.command ?? item.command, cwd: item.cwd ?? undefined };
    case 'fileChange':
      return { changes: (item.changes ?? []).map((c) => ({ path: c.path, kind: c.kind, diff: c.diff })) };
    default:
      return item.arguments ?? {};
  }
}

/**
 * `codex app-server` notifications as AG-UI events. One Codex turn is one run:
 * RUN_STARTED when Hangar starts it, RUN_FINISHED or RUN_ERROR at `turn/completed`.
 */
export class CodexTranslator {
  private runId: string | undefined;
  private readonly open = new Map<string, Open>();
  private readonly tools = new Set<string>();
  /** Why the turn failed, from an `error` notification, reported at `turn/completed`. */
  private failure: string | undefined;
  /** Reasons people gave for denials, by item id: shown in the tool result. */
  private readonly denials = new Map<string, string>();

  constructor(
    private readonly threadId: string,
    private readonly emit: (event: AgentEvent) => void,
  ) {}

  get running(): boolean {
    return this.runId !== undefined;
  }

  startRun(): void {
    if (this.runId) return;
    this.runId = newId();
    this.failure = undefined;
    this.emit({ type: EventType.RUN_STARTED, threadId: this.threadId, runId: this.runId });
  }

  failRun(message: string, code: string): void {
    if (!this.runId) return;
    this.closeAll();
    this.runId = undefined;
    this.emit({ type: EventType.RUN_ERROR, message, code });
  }

  /** Remembers a person's denial, for the tool result of that item. */
  denied(itemId: string, reason: string | undefined): void {
    this.denials.set(itemId, reason ? `Denied: ${reason}` : 'Denied by the Hangar user');
  }

  notification(method: string, params: unknown): void {
    switch (method) {
      case 'turn/started':
        return this.startRun();
      case 'item/started': {
        const parsed = itemNotification.safeParse(params);
        if (parsed.success) this.itemStarted(parsed.data.item);
        return;
      }
      case 'item/completed': {
        const parsed = itemNotification.safeParse(params);
        if (parsed.success) this.itemCompleted(parsed.data.item);
        return;
      }
      case 'item/agentMessage/delta':
        return this.delta(params, 'text');
      case 'item/reasoning/summaryTextDelta':
      case 'item/reasoning/textDelta':
        return this.delta(params, 'reasoning');
      case 'thread/tokenUsage/updated': {
        const parsed = tokenUsageNotification.safeParse(params);
        if (parsed.success) this.usage(parsed.data.tokenUsage.last);
        return;
      }
      case 'error': {
        const parsed = errorNotification.safeParse(params);
        if (parsed.success && !parsed.data.willRetry) this.failure = errorText(parsed.data.error);
        return;
      }
      case 'turn/completed': {
        const parsed = turnCompleted.safeParse(params);
        if (parsed.success) this.turnCompleted(parsed.data.turn);
        return;
      }
      default:
        return;
    }
  }

  private itemStarted(item: ThreadItem): void {
    if (item.type === 'agentMessage') this.begin(item.id, 'text');
    else if (item.type === 'reasoning') this.begin(item.id, 'reasoning');
    else {
      const name = toolName(item);
      if (!name || this.tools.has(item.id)) return;
      this.startRun();
      this.tools.add(item.id);
      this.emit({ type: EventType.TOOL_CALL_START, toolCallId: item.id, toolCallName: name });
      this.emit({
        type: EventType.TOOL_CALL_ARGS,
        toolCallId: item.id,
        delta: JSON.stringify(toolInput(item)),
      });
      this.emit({ type: EventType.TOOL_CALL_END, toolCallId: item.id });
    }
  }

  private itemCompleted(item: ThreadItem): void {
    if (item.type === 'agentMessage' || item.type === 'reasoning') {
      const open = this.open.get(item.id);
      // Not streamed (or not started): the whole text at once.
      if (item.type === 'agentMessage' && item.text && !open?.streamed) {
        if (!open) this.begin(item.id, 'text');
        this.emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: item.id, delta: item.text });
      }
      this.close(item.id);
      return;
    }
    if (!toolName(item)) return;
    if (!this.tools.has(item.id)) this.itemStarted(item);
    this.tools.delete(item.id);
    this.emit({
      type: EventType.TOOL_CALL_RESULT,
      messageId: newId(),
      toolCallId: item.id,
      role: 'tool',
      content: this.resultText(item),
    });
  }

  private resultText(item: ThreadItem): string {
    if (item.status === 'declined') {
      const reason = this.denials.get(item.id) ?? 'Declined';
      this.denials.delete(item.id);
      return reason;
    }
    if (item.type === 'commandExecution') {
      const output = item.aggregatedOutput ?? '';
      const code = item.exitCode;
      if (code !== null && code !== undefined && code !== 0)
        return `${output}${output ? '\n' : ''}(exit code ${code})`;
      return output;
    }
    if (item.type === 'fileChange') return (item.changes ?? []).map((change) => change.path).join('\n');
    return typeof item.result === 'string' ? item.result : JSON.stringify(item.result ?? item.error ?? '');
  }

  private delta(params: unknown, kind: Open['kind']): void {
    const parsed = deltaNotification.safeParse(params);
    if (!parsed.success || !parsed.data.delta) return;
    const { itemId, delta } = parsed.data;
    const open = this.open.get(itemId) ?? this.begin(itemId, kind);
    open.streamed = true;
    const type = open.kind === 'text' ? EventType.TEXT_MESSAGE_CONTENT : EventType.REASONING_MESSAGE_CONTENT;
    this.emit({ type, messageId: itemId, delta });
  }

  private begin(id: string, kind: Open['kind']): Open {
    const existing = this.open.get(id);
    if (existing) return existing;
    this.startRun();
    const open: Open = { kind, streamed: false };
    this.open.set(id, open);
    if (kind === 'text') this.emit({ type: EventType.TEXT_MESSAGE_START, messageId: id, role: 'assistant' });
    else {
      this.emit({ type: EventType.REASONING_START, messageId: id });
      this.emit({ type: EventType.REASONING_MESSAGE_START, messageId: id, role: 'reasoning' });
    }
    return open;
  }

  private close(id: string): void {
    const open = this.open.get(id);
    if (!open) return;
    this.open.delete(id);
    if (open.kind === 'text') this.emit({ type: EventType.TEXT_MESSAGE_END, messageId: id });
    else {
      this.emit({ type: EventType.REASONING_MESSAGE_END, messageId: id });
      this.emit({ type: EventType.REASONING_END, messageId: id });
    }
  }

  private closeAll(): void {
    for (const id of [...this.open.keys()]) this.close(id);
    this.tools.clear();
  }

  private turnCompleted(turn: {
    status: string;
    error?: { message?: string | undefined; codexErrorInfo?: unknown } | null | undefined;
  }): void {
    this.startRun();
    if (turn.status === 'failed') {
      const message = turn.error
        ? errorText(turn.error)
        : (this.failure ?? 'Codex ended the turn with an error.');
      return this.failRun(message, 'provider_error');
    }
    // An interrupted turn is a finished turn for the person who interrupted it.
    this.closeAll();
    const runId = this.runId!;
    this.runId = undefined;
    this.emit({ type: EventType.RUN_FINISHED, threadId: this.threadId, runId });
  }

  private usage(last: TokenBreakdown): void {
    const cached = last.cachedInputTokens;
    this.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.usage,
      value: {
        // Codex's inputTokens include the cached ones; Hangar counts them apart.
        inputTokens: Math.max(0, Math.round(last.inputTokens - cached)),
        outputTokens: Math.round(last.outputTokens),
        cacheReadTokens: Math.round(cached),
        cacheWriteTokens: Math.round(last.cacheWriteInputTokens ?? 0),
        // Codex reports no cost; the proxy meters it.
        costUsd: 0,
      },
    });
  }
}
