import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import { newId } from '../../common/crypto.js';
import {
  contentText,
  toolInput,
  toolNameOf,
  type PromptResult,
  type SessionUpdate,
  type ToolCall,
} from './acp.js';

type Open = { kind: 'text' | 'reasoning'; messageId: string };

/**
 * ACP `session/update`s as AG-UI events. One `session/prompt` is one run:
 * RUN_STARTED when Hangar sends it, RUN_FINISHED (or RUN_ERROR) at its answer.
 * Consecutive chunks of one kind form one message.
 */
export class GeminiTranslator {
  private runId: string | undefined;
  private open: Open | undefined;
  /** Tool calls whose TOOL_CALL_START was emitted, and those whose result was. */
  private readonly started = new Set<string>();
  private readonly finished = new Set<string>();

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
    this.emit({ type: EventType.RUN_STARTED, threadId: this.threadId, runId: this.runId });
  }

  /** The prompt's answer: its usage, then the end of the run (a cancel is a finished turn for a person). */
  finishRun(result: PromptResult): void {
    this.startRun();
    this.close();
    const tokens = result._meta?.quota?.token_count;
    if (tokens)
      this.emit({
        type: EventType.CUSTOM,
        name: HANGAR_EVENT.usage,
        value: {
          // Gemini's input_tokens include the cached ones and it reports no cost: the proxy meters both.
          inputTokens: Math.round(tokens.input_tokens),
          outputTokens: Math.round(tokens.output_tokens),
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          costUsd: 0,
        },
      });
    const runId = this.runId!;
    this.runId = undefined;
    this.emit({ type: EventType.RUN_FINISHED, threadId: this.threadId, runId });
  }

  /** Ends the run (if one is open) with an error: the prompt failed, or the process ended. */
  failRun(message: string, code: string): void {
    if (!this.runId) return;
    this.close();
    this.runId = undefined;
    this.emit({ type: EventType.RUN_ERROR, message, code });
  }

  update(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
      case 'agent_thought_chunk': {
        const text = update.content.type === 'text' ? update.content.text : undefined;
        if (!text) return;
        this.startRun();
        const kind = update.sessionUpdate === 'agent_message_chunk' ? 'text' : 'reasoning';
        const open = this.open?.kind === kind ? this.open : this.begin(kind);
        this.emit({
          type: kind === 'text' ? EventType.TEXT_MESSAGE_CONTENT : EventType.REASONING_MESSAGE_CONTENT,
          messageId: open.messageId,
          delta: text,
        });
        return;
      }
      case 'tool_call':
        this.startRun();
        this.toolStarted(update);
        if (update.status === 'completed' || update.status === 'failed') this.toolResult(update);
        return;
      case 'tool_call_update':
        if (update.status !== 'completed' && update.status !== 'failed') return;
        this.startRun();
        this.toolStarted({ ...update, toolCallId: update.toolCallId });
        this.toolResult({ ...update, toolCallId: update.toolCallId });
        return;
      default:
        // user_message_chunk: history replayed by session/load, already in Hangar's log.
        return;
    }
  }

  /** A tool call is announced (by its update, or by the permission request that precedes it). */
  toolStarted(call: ToolCall): void {
    if (this.started.has(call.toolCallId)) return;
    this.started.add(call.toolCallId);
    this.close();
    const toolCallId = call.toolCallId;
    this.emit({ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: toolNameOf(call) });
    this.emit({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(toolInput(call)) });
    this.emit({ type: EventType.TOOL_CALL_END, toolCallId });
  }

  /** A tool call's result; `text` overrides its content (a denied call gets no update from Gemini). */
  toolResult(call: ToolCall, text?: string): void {
    if (this.finished.has(call.toolCallId)) return;
    this.finished.add(call.toolCallId);
    const content =
      text ?? (contentText(call.content) || (call.status === 'failed' ? 'The tool failed.' : 'Done.'));
    this.emit({
      type: EventType.TOOL_CALL_RESULT,
      messageId: newId(),
      toolCallId: call.toolCallId,
      role: 'tool',
      content,
    });
    if (call.status === 'completed' && call.kind === 'edit')
      for (const part of call.content ?? [])
        if (part.type === 'diff' && part.path)
          this.emit({
            type: EventType.CUSTOM,
            name: HANGAR_EVENT.fileChange,
            value: { path: part.path, change: part.oldText ? 'modified' : 'created' },
          });
  }

  private begin(kind: Open['kind']): Open {
    this.close();
    const open: Open = { kind, messageId: newId() };
    this.open = open;
    if (kind === 'text')
      this.emit({ type: EventType.TEXT_MESSAGE_START, messageId: open.messageId, role: 'assistant' });
    else {
      this.emit({ type: EventType.REASONING_START, messageId: open.messageId });
      this.emit({ type: EventType.REASONING_MESSAGE_START, messageId: open.messageId, role: 'reasoning' });
    }
    return open;
  }

  private close(): void {
    const open = this.open;
    if (!open) return;
    this.open = undefined;
    if (open.kind === 'text') this.emit({ type: EventType.TEXT_MESSAGE_END, messageId: open.messageId });
    else {
      this.emit({ type: EventType.REASONING_MESSAGE_END, messageId: open.messageId });
      this.emit({ type: EventType.REASONING_END, messageId: open.messageId });
    }
  }
}
