import { EventType } from '@ag-ui/core';
import { describe, expect, it } from 'vitest';
import { HANGAR_EVENT, type AgentEvent, type StoredEvent } from './sessions.js';
import { foldSessionEvents, foldSessionState, initialSessionState } from './session-state.js';

const SESSION = '01J0000000000000000000SESS';

function stream(...events: AgentEvent[]): StoredEvent[] {
  return events.map((event, index) => ({
    id: index + 1,
    sessionId: SESSION,
    at: new Date(Date.UTC(2025, 0, 1, 0, 0, index)).toISOString(),
    event,
  }));
}
const custom = (name: string, value: unknown): AgentEvent => ({ type: EventType.CUSTOM, name, value });
const status = (value: Record<string, unknown>) => custom(HANGAR_EVENT.status, { stalled: false, ...value });
const request = (requestId: string) =>
  custom(HANGAR_EVENT.permissionRequest, { requestId, toolName: 'bash', input: { command: 'ls' } });
const answer = (requestId: string) =>
  custom(HANGAR_EVENT.permissionAnswer, { requestId, decision: 'allow', answeredBy: null });
const usage = (inputTokens: number, outputTokens: number, costUsd: number) =>
  custom(HANGAR_EVENT.usage, { inputTokens, outputTokens, cacheReadTokens: 1, cacheWriteTokens: 2, costUsd });
const started = (runId: string): AgentEvent => ({ type: EventType.RUN_STARTED, threadId: 't', runId });
const finished = (runId: string): AgentEvent => ({ type: EventType.RUN_FINISHED, threadId: 't', runId });
const text = (delta: string): AgentEvent => ({ type: EventType.TEXT_MESSAGE_CONTENT, messageId: 'm', delta });

const fold = (...events: AgentEvent[]) => foldSessionEvents(initialSessionState, stream(...events));

describe('foldSessionState', () => {
  it('knows no status before an event says one', () => {
    expect(fold(usage(1, 1, 0)).status).toBeNull();
  });

  it('takes hangar.status outright, with its message, stall flag and who stopped it', () => {
    expect(fold(status({ status: 'idle' }))).toMatchObject({ status: 'idle', message: null });
    expect(fold(status({ status: 'working', stalled: true, message: 'No event for 300 s' }))).toMatchObject({
      status: 'working',
      stalled: true,
      message: 'No event for 300 s',
    });
    expect(
      fold(
        status({
          status: 'stopped',
          message: 'Stopped by Ana.',
          stoppedBy: '01J00000000000000000000ANA',
          withWorkspace: true,
        }),
      ),
    ).toMatchObject({
      status: 'stopped',
      message: 'Stopped by Ana.',
      stoppedBy: '01J00000000000000000000ANA',
      withWorkspace: true,
    });
    // who stopped it does not outlive the stop
    expect(
      fold(status({ status: 'stopped', stoppedBy: null, withWorkspace: true }), status({ status: 'idle' })),
    ).toMatchObject({ status: 'idle', stoppedBy: null, withWorkspace: false });
    // a malformed value is ignored
    expect(fold(status({ status: 'idle' }), custom(HANGAR_EVENT.status, { status: 'bogus' })).status).toBe(
      'idle',
    );
  });

  it('follows a run: working with its run id, idle at its end', () => {
    const running = fold(status({ status: 'idle' }), started('r1'), text('hi'));
    expect(running).toMatchObject({ status: 'working', runId: 'r1' });
    const done = foldSessionState(running, { ...stream(finished('r1'))[0]!, id: 4 });
    expect(done).toMatchObject({ status: 'idle', runId: null });
  });

  it('a run error is an error with its message; a stop’s RUN_ERROR leaves the status to the stop', () => {
    expect(
      fold(started('r1'), { type: EventType.RUN_ERROR, message: 'model overloaded', code: 'provider' }),
    ).toMatchObject({ status: 'error', message: 'model overloaded', runId: null });
    const stopped = fold(started('r1'), { type: EventType.RUN_ERROR, message: 'Stopped.', code: 'stopped' });
    expect(stopped).toMatchObject({ status: 'working', runId: null });
    expect(
      fold(
        started('r1'),
        { type: EventType.RUN_ERROR, message: 'Stopped.', code: 'stopped' },
        status({ status: 'stopped', message: 'Stopped.', stoppedBy: null }),
        finished('r1'),
      ).status,
    ).toBe('stopped');
  });

  it('other events mean working, except while starting, idle or awaiting approval', () => {
    expect(fold(status({ status: 'error', message: 'x' }), text('a'))).toMatchObject({
      status: 'working',
      message: null,
    });
    expect(fold(status({ status: 'idle' }), text('a')).status).toBe('idle');
    expect(fold(status({ status: 'starting' }), text('a')).status).toBe('starting');
    expect(fold(started('r'), request('p1'), text('a')).status).toBe('awaiting_approval');
  });

  it('pending permission requests are the requests minus the answers; the last answer resumes work', () => {
    const asked = fold(started('r1'), request('p1'), request('p2'), request('p1'));
    expect(asked).toMatchObject({ status: 'awaiting_approval', pending: ['p1', 'p2'] });
    const one = foldSessionEvents(asked, [{ ...stream(answer('p1'))[0]!, id: 5 }]);
    expect(one).toMatchObject({ status: 'awaiting_approval', pending: ['p2'] });
    const both = foldSessionEvents(one, [{ ...stream(answer('p2'))[0]!, id: 6 }]);
    expect(both).toMatchObject({ status: 'working', pending: [] });
    // a run's end drops what it left unanswered
    expect(fold(started('r1'), request('p1'), finished('r1'))).toMatchObject({ status: 'idle', pending: [] });
    expect(fold(started('r1'), request('p1'), { type: EventType.RUN_ERROR, message: 'x' })).toMatchObject({
      status: 'error',
      pending: [],
    });
  });

  it('an answer folded before its request (out of order) never leaves the request pending', () => {
    const state = fold(started('r1'), answer('p1'), request('p1'));
    expect(state.pending).toEqual([]);
    expect(state.answered).toEqual([]);
  });

  it('sums hangar.usage, not the agent’s own hangar.agent_usage', () => {
    const state = fold(
      usage(100, 20, 0.5),
      custom(HANGAR_EVENT.agentUsage, {
        inputTokens: 1000,
        outputTokens: 1000,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        costUsd: 9,
      }),
      usage(10, 2, 0.25),
      custom(HANGAR_EVENT.usage, { inputTokens: 'many' }),
    );
    expect(state.usage).toEqual({
      inputTokens: 110,
      outputTokens: 22,
      cacheReadTokens: 2,
      cacheWriteTokens: 4,
      costUsd: 0.75,
      calls: 2,
    });
  });

  it('folding a stream again, or an overlapping one, changes nothing', () => {
    const events = stream(
      status({ status: 'idle' }),
      started('r1'),
      request('p1'),
      usage(5, 5, 0.1),
      answer('p1'),
      finished('r1'),
      usage(1, 1, 0.1),
    );
    const once = foldSessionEvents(initialSessionState, events);
    expect(foldSessionEvents(once, events)).toBe(once);
    const halves = foldSessionEvents(
      foldSessionEvents(initialSessionState, events.slice(0, 4)),
      events.slice(2),
    );
    expect(halves).toEqual(once);
    expect(once).toMatchObject({ status: 'idle', lastEventId: 7, usage: { calls: 2 } });
  });
});
