import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import { newId } from '../../common/crypto.js';
import { resultText, type PiLine, type PiUsage } from './rpc.js';

type Open = { kind: 'text' | 'reasoning'; messageId: string };

/**
 * Pi's RPC events as AG-UI events. One Pi prompt (agent_start … agent_end)
 * is one run; text and thinking blocks stream by `contentIndex`.
 */
export class PiTranslator {
  private runId: string | undefined;
  private open = new Map<number, Open>();
  /** Why the last model call failed, reported when the run ends. */
  private failure: string | undefined;

  constructor(
    private readonly threadId: string,
    private readonly emit: (event: AgentEvent) => void,
  ) {}

  get running(): boolean {
    return this.runId !== undefined;
  }

  /** Starts a run when a prompt is sent, so that the status is `working` before Pi answers. */
  startRun(): void {
    if (this.runId) return;
    this.runId = newId();
    this.failure = undefined;
    this.emit({ type: EventType.RUN_STARTED, threadId: this.threadId, runId: this.runId });
  }

  /** Ends the run with an error (the prompt was refused, or the process ended). */
  failRun(message: string, code: string): void {
    if (!this.runId) return;
    this.closeAll();
    this.runId = undefined;
    this.emit({ type: EventType.RUN_ERROR, message, code });
  }

  handle(line: PiLine): void {
    switch (line.type) {
      case 'agent_start':
        return this.startRun();
      case 'message_update':
        return this.update(line.assistantMessageEvent);
      case 'message_end':
        if (line.message.role !== 'assistant') return;
        this.closeAll();
        if (line.message.usage) this.usage(line.message.usage);
        if (line.message.stopReason === 'error')
          this.failure = line.message.errorMessage ?? 'The model call failed.';
        return;
      case 'tool_execution_start': {
        const { toolCallId, toolName } = line;
        this.emit({ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: toolName });
        this.emit({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(line.args ?? {}) });
        this.emit({ type: EventType.TOOL_CALL_END, toolCallId });
        return;
      }
      case 'tool_execution_end':
        this.emit({
          type: EventType.TOOL_CALL_RESULT,
          messageId: newId(),
          toolCallId: line.toolCallId,
          role: 'tool',
          content: resultText(line.result) || (line.isError ? 'The tool failed.' : ''),
        });
        return;
      case 'agent_end': {
        if (!this.runId) this.startRun();
        const failure = this.failure;
        if (failure) return this.failRun(failure, 'provider_error');
        this.closeAll();
        this.emit({ type: EventType.RUN_FINISHED, threadId: this.threadId, runId: this.runId! });
        this.runId = undefined;
        return;
      }
      default:
        return;
    }
  }

  private update(event: Extract<PiLine, { type: 'message_update' }>['assistantMessageEvent']): void {
    const index = event.contentIndex ?? 0;
    switch (event.type) {
      case 'text_start':
        this.begin(index, 'text');
        return;
      case 'thinking_start':
        this.begin(index, 'reasoning');
        return;
      case 'text_delta':
      case 'thinking_delta': {
        if (!event.delta) return;
        const open =
          this.open.get(index) ?? this.begin(index, event.type === 'text_delta' ? 'text' : 'reasoning');
        const type =
          open.kind === 'text' ? EventType.TEXT_MESSAGE_CONTENT : EventType.REASONING_MESSAGE_CONTENT;
        this.emit({ type, messageId: open.messageId, delta: event.delta });
        return;
      }
      case 'text_end':
      case 'thinking_end':
        return this.close(index);
      default:
        return;
    }
  }

  private begin(index: number, kind: Open['kind']): Open {
    this.close(index);
    const open: Open = { kind, messageId: newId() };
    this.open.set(index, open);
    if (kind === 'text')
      this.emit({ type: EventType.TEXT_MESSAGE_START, messageId: open.messageId, role: 'assistant' });
    else {
      this.emit({ type: EventType.REASONING_START, messageId: open.messageId });
      this.emit({ type: EventType.REASONING_MESSAGE_START, messageId: open.messageId, role: 'reasoning' });
    }
    return open;
  }

  private close(index: number): void {
    const open = this.open.get(index);
    if (!open) return;
    this.open.delete(index);
    if (open.kind === 'text') this.emit({ type: EventType.TEXT_MESSAGE_END, messageId: open.messageId });
    else {
      this.emit({ type: EventType.REASONING_MESSAGE_END, messageId: open.messageId });
      this.emit({ type: EventType.REASONING_END, messageId: open.messageId });
    }
  }

  private closeAll(): void {
    for (const index of [...this.open.keys()]) this.close(index);
  }

  private usage(usage: PiUsage): void {
    this.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.usage,
      value: {
        inputTokens: Math.round(usage.input),
        outputTokens: Math.round(usage.output),
        cacheReadTokens: Math.round(usage.cacheRead),
        cacheWriteTokens: Math.round(usage.cacheWrite),
        costUsd: usage.cost?.total ?? 0,
      },
    });
  }
}
