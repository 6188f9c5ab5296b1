import { randomUUID } from 'node:crypto';
import { EventType, HANGAR_EVENT, type AgentEvent } from '@hangar/protocol';
import {
  toolResultText,
  type ClaudeLine,
  type ClaudeUsage,
  type ContentBlock,
  type StreamEvent,
} from './protocol.js';

/** A content block being streamed: what was opened for it, to close it. */
type OpenBlock = { kind: 'text' | 'reasoning' | 'tool'; id: string };

/**
 * Turns Claude Code's stream-json lines into AG-UI events, one run per turn:
 * RUN_STARTED when Hangar sends a message, RUN_FINISHED (or RUN_ERROR) at its `result`.
 */
export class ClaudeCodeTranslator {
  private runId: string | undefined;
  private messageId = '';
  private readonly open = new Map<number, OpenBlock>();
  /** API messages whose blocks were streamed, so their `assistant` copies are not emitted twice. */
  private readonly streamed = new Set<string>();

  constructor(
    private readonly threadId: string,
    private readonly emit: (event: AgentEvent) => void,
  ) {}

  get running(): boolean {
    return this.runId !== undefined;
  }

  startRun(): void {
    if (this.runId) return;
    this.runId = randomUUID();
    this.emit({ type: EventType.RUN_STARTED, threadId: this.threadId, runId: this.runId });
  }

  /** Ends the run (if one is open) with an error, e.g. when the process dies. */
  failRun(message: string, code: string): void {
    if (!this.runId) return;
    this.closeAll();
    this.runId = undefined;
    this.emit({ type: EventType.RUN_ERROR, message, code });
  }

  line(line: ClaudeLine): void {
    switch (line.type) {
      case 'stream_event':
        if (!line.parent_tool_use_id) this.streamEvent(line.event);
        return;
      case 'assistant':
        if (!line.parent_tool_use_id) this.assistant(line.message.id, line.message.content);
        return;
      case 'user':
        if (Array.isArray(line.message.content)) this.toolResults(line.message.content);
        return;
      case 'result':
        this.result(line);
        return;
      default:
        return;
    }
  }

  private streamEvent(event: StreamEvent): void {
    // Output can only come from a turn Hangar started; a resumed process may still finish one.
    this.startRun();
    const index = event.index ?? 0;
    switch (event.type) {
      case 'message_start':
        this.messageId = event.message?.id ?? randomUUID();
        this.streamed.add(this.messageId);
        return;
      case 'content_block_start':
        if (event.content_block) this.openBlock(index, event.content_block);
        return;
      case 'content_block_delta':
        this.delta(index, event.delta ?? {});
        return;
      case 'content_block_stop':
        this.closeBlock(index);
        return;
      default:
        return;
    }
  }

  private openBlock(index: number, block: ContentBlock): void {
    const id = `${this.messageId}-${index}`;
    if (block.type === 'text') {
      this.open.set(index, { kind: 'text', id });
      this.emit({ type: EventType.TEXT_MESSAGE_START, messageId: id, role: 'assistant' });
    } else if (block.type === 'thinking') {
      this.open.set(index, { kind: 'reasoning', id });
      this.emit({ type: EventType.REASONING_START, messageId: id });
      this.emit({ type: EventType.REASONING_MESSAGE_START, messageId: id, role: 'reasoning' });
    } else if (block.type === 'tool_use' && block.id) {
      this.open.set(index, { kind: 'tool', id: block.id });
      this.emit({
        type: EventType.TOOL_CALL_START,
        toolCallId: block.id,
        toolCallName: block.name ?? 'tool',
        parentMessageId: this.messageId,
      });
    }
  }

  private delta(index: number, delta: NonNullable<StreamEvent['delta']>): void {
    const block = this.open.get(index);
    if (!block) return;
    if (block.kind === 'text' && delta.text)
      this.emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: block.id, delta: delta.text });
    else if (block.kind === 'reasoning' && delta.thinking)
      this.emit({ type: EventType.REASONING_MESSAGE_CONTENT, messageId: block.id, delta: delta.thinking });
    else if (block.kind === 'tool' && delta.partial_json)
      this.emit({ type: EventType.TOOL_CALL_ARGS, toolCallId: block.id, delta: delta.partial_json });
  }

  private closeBlock(index: number): void {
    const block = this.open.get(index);
    if (!block) return;
    this.open.delete(index);
    if (block.kind === 'text') this.emit({ type: EventType.TEXT_MESSAGE_END, messageId: block.id });
    else if (block.kind === 'tool') this.emit({ type: EventType.TOOL_CALL_END, toolCallId: block.id });
    else {
      this.emit({ type: EventType.REASONING_MESSAGE_END, messageId: block.id });
      this.emit({ type: EventType.REASONING_END, messageId: block.id });
    }
  }

  private closeAll(): void {
    for (const index of [...this.open.keys()]) this.closeBlock(index);
  }

  /** A message that was not streamed (an API error's synthetic reply): emitted whole. */
  private assistant(id: string | undefined, content: ContentBlock[]): void {
    if (id && this.streamed.has(id)) return;
    this.startRun();
    const messageId = id ?? randomUUID();
    content.forEach((block, index) => {
      if (block.type === 'text' && block.text) {
        const textId = `${messageId}-${index}`;
        this.emit({ type: EventType.TEXT_MESSAGE_START, messageId: textId, role: 'assistant' });
        this.emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: textId, delta: block.text });
        this.emit({ type: EventType.TEXT_MESSAGE_END, messageId: textId });
      } else if (block.type === 'tool_use' && block.id) {
        const toolCallId = block.id;
        this.emit({ type: EventType.TOOL_CALL_START, toolCallId, toolCallName: block.name ?? 'tool' });
        this.emit({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: JSON.stringify(block.input ?? {}) });
        this.emit({ type: EventType.TOOL_CALL_END, toolCallId });
      }
    });
  }

  private toolResults(content: ContentBlock[]): void {
    for (const block of content) {
      if (block.type !== 'tool_result' || !block.tool_use_id) continue;
      this.emit({
        type: EventType.TOOL_CALL_RESULT,
        messageId: randomUUID(),
        toolCallId: block.tool_use_id,
        content: toolResultText(block.content),
        role: 'tool',
      });
    }
  }

  private result(line: Extract<ClaudeLine, { type: 'result' }>): void {
    this.startRun();
    this.closeAll();
    this.streamed.clear();
    if (line.usage) this.emit(usageEvent(line.usage));
    const runId = this.runId!;
    this.runId = undefined;
    // An interrupt ends the turn as an error_during_execution; for a person it is a finished turn.
    const interrupted =
      line.terminal_reason === 'aborted_streaming' || line.terminal_reason === 'aborted_tools';
    if (line.is_error && !interrupted) {
      const message = line.result?.trim() || `Claude Code ended the turn with ${line.subtype}`;
      this.emit({ type: EventType.RUN_ERROR, message, code: line.subtype });
    } else this.emit({ type: EventType.RUN_FINISHED, threadId: this.threadId, runId });
  }
}

function usageEvent(usage: ClaudeUsage): AgentEvent {
  return {
    type: EventType.CUSTOM,
    name: HANGAR_EVENT.usage,
    value: {
      inputTokens: usage.input_tokens,
      outputTokens: usage.output_tokens,
      cacheReadTokens: usage.cache_read_input_tokens ?? 0,
      cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
      // Claude Code only guesses the price of models it does not know; Hangar's proxy meters the cost.
      costUsd: 0,
    },
  };
}
