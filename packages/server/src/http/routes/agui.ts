import {
  contentToText,
  EventType,
  HANGAR_EVENT,
  idParams,
  runAgentInput,
  type AgentEvent,
  type RunAgentInput,
  type SessionStatus,
} from '@hangar/protocol';
import { errors } from '../../errors.js';
import { principalOf } from '../auth.js';
import { openSse } from '../sse.js';
import type { App, AppContext } from '../types.js';

/** Hangar's CUSTOM events that only this endpoint sends. */
export const AGUI_EVENT = {
  /** The agent's own RUN_STARTED (its runId names the turn in /turns), inside the client's run. */
  agentRun: 'hangar.agent_run',
  /** An agent event outside what the client's run has shown (the tail of a turn begun before it). */
  agentEvent: 'hangar.agent_event',
} as const;

/** A session in these states is running a turn: a run request cannot start its own. */
const BUSY: ReadonlySet<SessionStatus> = new Set(['starting', 'working', 'awaiting_approval']);

type Delivery = 'sent' | 'queued' | 'steered';

/**
 * Turns a session's stored events, from the moment a message was sent, into the AG-UI run a
 * stock client expects: RUN_STARTED with the client's threadId and runId first, the agent's turn
 * inside it (its text, reasoning, tool calls; Hangar's status, usage and permission events as
 * the CUSTOM events they are), and RUN_FINISHED or RUN_ERROR last. Whatever is open when the
 * turn ends (a message cut by an interrupt) is closed first, as AG-UI requires.
 */
export class AguiRun {
  ended = false;
  /** How the message reached the agent; until known, as if `sent` (the session was idle). */
  delivery: Delivery = 'sent';
  private agentRun: 'none' | 'active' = 'none';
  private readonly open = {
    text: new Set<string>(),
    tool: new Set<string>(),
    reasoningMessage: new Set<string>(),
    reasoning: new Set<string>(),
    step: new Set<string>(),
  };
  private readonly seenTools = new Set<string>();

  constructor(
    private readonly input: Pick<RunAgentInput, 'threadId' | 'runId'>,
    private readonly emit: (event: AgentEvent) => void,
  ) {
    emit({ type: EventType.RUN_STARTED, threadId: input.threadId, runId: input.runId });
  }

  push(event: AgentEvent): void {
    if (this.ended) return;
    switch (event.type) {
      case EventType.RUN_STARTED:
        this.agentRun = 'active';
        return this.custom(AGUI_EVENT.agentRun, { threadId: event.threadId, runId: event.runId });
      case EventType.RUN_FINISHED:
        if (this.agentRun === 'active' || this.delivery === 'steered') return this.finish(event.result);
        return this.custom(AGUI_EVENT.agentEvent, event);
      case EventType.RUN_ERROR:
        // A turn ahead of a queued message ended: the message runs next.
        if (this.agentRun === 'none' && this.delivery === 'queued')
          return this.custom(AGUI_EVENT.agentEvent, event);
        return this.fail(event.message, event.code);
      case EventType.CUSTOM:
        this.emit(event);
        if (event.name === HANGAR_EVENT.status) this.statusChanged(event.value);
        return;
      default:
        return this.inner(event);
    }
  }

  /** The run ends without the agent's word (the session stopped, the client's message was refused). */
  fail(message: string, code?: string): void {
    if (this.ended) return;
    this.ended = true;
    this.emit({ type: EventType.RUN_ERROR, message, ...(code !== undefined && { code }) });
  }

  private statusChanged(value: unknown): void {
    const { status, message } = (value ?? {}) as { status?: string; message?: string };
    // A stop (or a failure that came without RUN_ERROR) ends the turn: no RUN_FINISHED will follow.
    if (status === 'stopped') this.fail(message ?? 'The session was stopped.', 'session_stopped');
    else if (status === 'error') this.fail(message ?? 'The session failed.', 'session_error');
  }

  /** An event of the agent's turn: passed through when it belongs to what this run has shown. */
  private inner(event: AgentEvent): void {
    if (this.agentRun === 'none' && this.delivery !== 'steered')
      return this.custom(AGUI_EVENT.agentEvent, event);
    const { text, tool, reasoningMessage, reasoning, step } = this.open;
    const track = (set: Set<string>, id: string, opens: boolean, closes: boolean) => {
      if (opens) {
        set.add(id);
        return true;
      }
      if (!set.has(id)) return false;
      if (closes) set.delete(id);
      return true;
    };
    let belongs = true;
    switch (event.type) {
      case EventType.TEXT_MESSAGE_START:
      case EventType.TEXT_MESSAGE_CONTENT:
      case EventType.TEXT_MESSAGE_END:
        belongs = track(
          text,
          event.messageId,
          event.type === EventType.TEXT_MESSAGE_START,
          event.type === EventType.TEXT_MESSAGE_END,
        );
        break;
      case EventType.TOOL_CALL_START:
        this.seenTools.add(event.toolCallId);
        belongs = track(tool, event.toolCallId, true, false);
        break;
      case EventType.TOOL_CALL_ARGS:
      case EventType.TOOL_CALL_END:
        belongs = track(tool, event.toolCallId, false, event.type === EventType.TOOL_CALL_END);
        break;
      case EventType.TOOL_CALL_RESULT:
        belongs = this.seenTools.has(event.toolCallId);
        break;
      case EventType.REASONING_MESSAGE_START:
      case EventType.REASONING_MESSAGE_CONTENT:
      case EventType.REASONING_MESSAGE_END:
        belongs = track(
          reasoningMessage,
          event.messageId,
          event.type === EventType.REASONING_MESSAGE_START,
          event.type === EventType.REASONING_MESSAGE_END,
        );
        break;
      case EventType.REASONING_START:
      case EventType.REASONING_END:
        belongs = track(
          reasoning,
          event.messageId,
          event.type === EventType.REASONING_START,
          event.type === EventType.REASONING_END,
        );
        break;
      case EventType.STEP_STARTED:
      case EventType.STEP_FINISHED:
        belongs = track(
          step,
          event.stepName,
          event.type === EventType.STEP_STARTED,
          event.type === EventType.STEP_FINISHED,
        );
        break;
    }
    if (belongs) this.emit(event);
    else this.custom(AGUI_EVENT.agentEvent, event);
  }

  private finish(result: unknown): void {
    const { text, tool, reasoningMessage, reasoning, step } = this.open;
    for (const messageId of text) this.emit({ type: EventType.TEXT_MESSAGE_END, messageId });
    for (const toolCallId of tool) this.emit({ type: EventType.TOOL_CALL_END, toolCallId });
    for (const messageId of reasoningMessage) this.emit({ type: EventType.REASONING_MESSAGE_END, messageId });
    for (const messageId of reasoning) this.emit({ type: EventType.REASONING_END, messageId });
    for (const stepName of step) this.emit({ type: EventType.STEP_FINISHED, stepName });
    this.ended = true;
    this.emit({
      type: EventType.RUN_FINISHED,
      threadId: this.input.threadId,
      runId: this.input.runId,
      ...(result !== undefined && { result }),
    });
  }

  private custom(name: string, value: unknown): void {
    this.emit({ type: EventType.CUSTOM, name, value });
  }
}

/** The text of the input's last user message (AG-UI clients send the whole thread each run). */
function lastUserText(input: RunAgentInput): string {
  const last = input.messages.findLast((message) => message.role === 'user');
  return last ? contentToText(last.content).trim() : '';
}

export async function aguiRoutes(app: App, { services }: AppContext) {
  const sessions = services.agentSessions;

  app.post(
    '/api/sessions/:id/agui',
    {
      config: { stream: true },
      schema: {
        tags: ['sessions'],
        summary:
          "AG-UI: run the session's agent on the input's last user message and answer that run's events as AG-UI server-sent events (for @ag-ui/client's HttpAgent)",
        description:
          "The session keeps its own conversation: of `messages`, only the last user message is sent. The stream is RUN_STARTED (with the input's threadId and runId), the agent's turn, Hangar's own events as CUSTOM, then RUN_FINISHED or RUN_ERROR, and closes. 409 while the session runs a turn. Closing the stream does not interrupt the agent.",
        params: idParams,
        body: runAgentInput,
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const input = request.body;
      const row = await sessions.get(principal, request.params.id, 'operate');
      const text = lastUserText(input);
      if (text === '')
        throw errors.validation(
          [{ where: 'body', path: 'messages', message: 'has no user message with text' }],
          'The request is not valid: body.messages has no user message with text to send to the agent.',
        );
      if (BUSY.has(row.status))
        throw errors.conflict(
          `The session is ${row.status.replace('_', ' ')}: start a run when it is idle (or send a message, which waits for the turn).`,
        );
      // Listening before the message goes out: nothing the agent answers is missed.
      const early: AgentEvent[] = [];
      let deliver = (event: AgentEvent) => void early.push(event);
      const stopObserving = sessions.events.observe((stored) => {
        if (stored.sessionId === row.id) deliver(stored.event);
      });
      let delivery: Delivery;
      try {
        delivery = await sessions.send(principal, row.id, text);
      } catch (error) {
        stopObserving();
        throw error;
      }
      openSse(request, reply, (stream) => {
        const run = new AguiRun(input, (event) => stream.send({ data: event }));
        run.delivery = delivery;
        void stream.closed.then(stopObserving);
        deliver = (event) => {
          run.push(event);
          if (run.ended) stream.close();
        };
        for (const event of early.splice(0)) deliver(event);
      });
    },
  );
}
