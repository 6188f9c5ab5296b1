import { EventType, HANGAR_EVENT, type AgentEvent, type StoredEvent } from '@hangar/protocol';
import { describe, expect, it } from 'vitest';
import { emptyTranscript, foldEvents, userTexts } from './transcript';

let nextId = 1;
function stored(event: AgentEvent, at = '2025-01-01T00:00:00.000Z'): StoredEvent {
  return { id: nextId++, sessionId: 's1', at, event };
}
const custom = (name: string, value: unknown): AgentEvent => ({ type: EventType.CUSTOM, name, value });

describe('foldEvents', () => {
  it('streams assistant text into one item and ends it', () => {
    const events = [
      stored(custom(HANGAR_EVENT.userMessage, { messageId: 'u1', text: 'hello', authorId: null })),
      stored({ type: EventType.TEXT_MESSAGE_START, messageId: 'm1', role: 'assistant' }),
      stored({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: 'm1', delta: 'Hel' }),
      stored({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: 'm1', delta: 'lo!' }),
    ];
    const streaming = foldEvents(emptyTranscript, events);
    expect(streaming.items).toEqual([
      { kind: 'user', key: 'user:u1', text: 'hello', authorId: null },
      { kind: 'assistant', key: 'text:m1', text: 'Hello!', streaming: true },
    ]);
    const ended = foldEvents(streaming, [stored({ type: EventType.TEXT_MESSAGE_END, messageId: 'm1' })]);
    expect(ended.items[1]).toMatchObject({ text: 'Hello!', streaming: false });
    // Unchanged items keep their identity so memoised rows skip rendering.
    expect(ended.items[0]).toBe(streaming.items[0]);
    expect(userTexts(ended)).toEqual(['hello']);
  });

  it('marks the end of each finished turn with its run id, where its changes are shown', () => {
    const folded = foldEvents(emptyTranscript, [
      stored({ type: EventType.RUN_STARTED, threadId: 't', runId: 'run-1' }),
      stored({ type: EventType.TEXT_MESSAGE_START, messageId: 'm1', role: 'assistant' }),
      stored({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: 'm1', delta: 'done' }),
      stored({ type: EventType.RUN_FINISHED, threadId: 't', runId: 'run-1' }),
    ]);
    expect(folded.items.at(-1)).toEqual({ kind: 'turn-end', key: 'turn:run-1', runId: 'run-1' });
    expect(folded.items[0]).toMatchObject({ kind: 'assistant', streaming: false });
  });

  it('follows the model a switch names', () => {
    expect(emptyTranscript.model).toBeNull();
    const switched = foldEvents(emptyTranscript, [
      stored(custom(HANGAR_EVENT.modelChange, { from: 'a', model: 'b', changedBy: null })),
      stored(custom(HANGAR_EVENT.modelChange, { from: 'b', model: 'c', changedBy: null })),
    ]);
    expect(switched.model).toBe('c');
  });

  it('ignores events it has already folded (snapshot and stream overlap)', () => {
    const first = stored({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: 'm2', delta: 'once' });
    const once = foldEvents(emptyTranscript, [first]);
    expect(foldEvents(once, [first])).toBe(once);
    expect(once.lastEventId).toBe(first.id);
  });

  it('folds reasoning separately from text', () => {
    const t = foldEvents(emptyTranscript, [
      stored({ type: EventType.REASONING_START, messageId: 'r1' }),
      stored({ type: EventType.REASONING_MESSAGE_START, messageId: 'r1', role: 'reasoning' }),
      stored({ type: EventType.REASONING_MESSAGE_CONTENT, messageId: 'r1', delta: 'thinking' }),
      stored({ type: EventType.REASONING_MESSAGE_END, messageId: 'r1' }),
    ]);
    expect(t.items).toEqual([{ kind: 'reasoning', key: 'reasoning:r1', text: 'thinking', streaming: false }]);
  });

  it('builds a tool card from start, arguments and result, with its duration', () => {
    const t = foldEvents(emptyTranscript, [
      stored(
        { type: EventType.TOOL_CALL_START, toolCallId: 't1', toolCallName: 'shell' },
        '2025-01-01T00:00:01.000Z',
      ),
      stored({ type: EventType.TOOL_CALL_ARGS, toolCallId: 't1', delta: '{"command":' }),
      stored({ type: EventType.TOOL_CALL_ARGS, toolCallId: 't1', delta: '"ls"}' }),
      stored({ type: EventType.TOOL_CALL_END, toolCallId: 't1' }),
      stored(
        {
          type: EventType.TOOL_CALL_RESULT,
          messageId: 'x',
          toolCallId: 't1',
          content: 'a.txt',
          role: 'tool',
        },
        '2025-01-01T00:00:03.500Z',
      ),
    ]);
    expect(t.items).toEqual([
      {
        kind: 'tool',
        key: 'tool:t1',
        name: 'shell',
        args: '{"command":"ls"}',
        result: 'a.txt',
        error: null,
        startedAt: Date.parse('2025-01-01T00:00:01.000Z'),
        endedAt: Date.parse('2025-01-01T00:00:03.500Z'),
      },
    ]);
  });

  it('tracks a permission request, its answer, and marks a denied tool call', () => {
    const asked = foldEvents(emptyTranscript, [
      stored({ type: EventType.TOOL_CALL_START, toolCallId: 't2', toolCallName: 'write_file' }),
      stored(
        custom(HANGAR_EVENT.permissionRequest, {
          requestId: 'p1',
          toolCallId: 't2',
          toolName: 'write_file',
          input: { path: 'a' },
        }),
      ),
      stored(custom(HANGAR_EVENT.status, { status: 'awaiting_approval', stalled: false })),
    ]);
    expect(asked.status).toBe('awaiting_approval');
    expect(asked.items[1]).toMatchObject({ kind: 'permission', requestId: 'p1', answer: null });
    const denied = foldEvents(asked, [
      stored(
        custom(HANGAR_EVENT.permissionAnswer, {
          requestId: 'p1',
          decision: 'deny',
          reason: 'no',
          answeredBy: 'u',
        }),
      ),
    ]);
    expect(denied.items[1]).toMatchObject({ answer: { decision: 'deny', reason: 'no', answeredBy: 'u' } });
    expect(denied.items[0]).toMatchObject({ error: 'Denied: no' });
    expect(asked.pending).toEqual(['p1']);
    expect(denied.pending).toEqual([]);
    expect(denied.status).toBe('working');
  });

  it('takes status, usage and pending requests from the shared fold of the session’s events', () => {
    // What the page loaded stands until an event says otherwise.
    const loaded = { ...emptyTranscript, status: 'idle' as const };
    const quiet = foldEvents(loaded, [
      stored(custom(HANGAR_EVENT.agentUsage, usage(1000, 1000, 5))),
      stored(custom(HANGAR_EVENT.userMessage, { messageId: 'u9', text: 'go', authorId: null })),
    ]);
    expect(quiet.status).toBe('idle');
    // The agent's own usage report is not summed: the proxy's records are.
    expect(quiet.usage).toBeNull();
    const t = foldEvents(quiet, [
      stored({ type: EventType.RUN_STARTED, threadId: 'th', runId: 'r9' }),
      stored(custom(HANGAR_EVENT.usage, usage(3, 4, 0.5))),
      stored({ type: EventType.RUN_ERROR, message: 'provider failed' }),
    ]);
    expect(t).toMatchObject({
      status: 'error',
      statusMessage: 'provider failed',
      usage: { inputTokens: 3, outputTokens: 4, costUsd: 0.5 },
      session: { runId: null, lastEventId: t.lastEventId },
    });
  });

  it('sums usage and shows run errors, failing tools still running', () => {
    const t = foldEvents(emptyTranscript, [
      stored({ type: EventType.TOOL_CALL_START, toolCallId: 't3', toolCallName: 'shell' }),
      stored(custom(HANGAR_EVENT.usage, usage(10, 5, 0.01))),
      stored(custom(HANGAR_EVENT.usage, usage(20, 7, 0.02))),
      stored({ type: EventType.RUN_ERROR, message: 'provider failed' }),
    ]);
    expect(t.usage).toEqual({ inputTokens: 30, outputTokens: 12, costUsd: 0.03 });
    expect(t.items[0]).toMatchObject({ kind: 'tool', error: 'provider failed' });
    expect(t.items[1]).toMatchObject({ kind: 'error', message: 'provider failed' });
  });

  it('says a turn cut by a person’s stop is a stop, and a failure is a failure', () => {
    const t = foldEvents(emptyTranscript, [
      stored({ type: EventType.RUN_ERROR, message: 'Stopped by Ada', code: 'stopped' }),
      stored({ type: EventType.RUN_ERROR, message: 'provider failed', code: 'agent_exited' }),
    ]);
    expect(t.items[0]).toMatchObject({ kind: 'error', message: 'Stopped by Ada', stopped: true });
    expect(t.items[1]).toMatchObject({ kind: 'error', message: 'provider failed', stopped: false });
  });

  it('ignores custom events whose value does not parse', () => {
    const t = foldEvents(emptyTranscript, [stored(custom(HANGAR_EVENT.status, { status: 'bogus' }))]);
    expect(t.status).toBeNull();
    expect(t.items).toEqual([]);
  });
});

function usage(inputTokens: number, outputTokens: number, costUsd: number) {
  return { inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd };
}
