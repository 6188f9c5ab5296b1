import {
  EventType,
  HANGAR_EVENT,
  foldSessionState,
  initialSessionState,
  okResponse,
  userMessageValue,
  type PermissionDecision,
  type SessionState,
} from '@hangar/protocol';
import type { ApiClient } from '../client/api.js';
import { CliError } from '../client/errors.js';
import { followSession } from '../client/sse.js';
import type { Styler } from '../ui/style.js';
import type { EventRenderer } from './render.js';

/** Where answers to permission questions come from: a terminal prompt, or lines on stdin. */
export interface Asker {
  /** The answer, or undefined when the input ended or `signal` aborted the question. */
  ask(question: string, signal: AbortSignal): Promise<string | undefined>;
}

export type TurnOutcome = 'finished' | 'error' | 'interrupted';

const QUESTION = 'Allow? [y]es / [n]o / [a]lways for this session: ';
const DECISIONS: Record<string, PermissionDecision> = {
  y: 'allow',
  yes: 'allow',
  n: 'deny',
  no: 'deny',
  a: 'allow_session',
  always: 'allow_session',
};

/**
 * One chat turn in a session: sends the message, streams what follows until
 * the run that answers it ends, asking the person about each permission
 * request on the way. A request answered elsewhere (the web app) cancels the
 * question here.
 */
export class ChatTurns {
  /** The last event seen: the next turn follows from here. */
  lastId: number;
  /** The session's status and pending permission requests, folded from the events followed here. */
  state: SessionState = initialSessionState;
  private interrupting = false;
  private current: AbortController | undefined;
  private readonly steering: boolean;

  constructor(
    private readonly client: ApiClient,
    private readonly sessionId: string,
    private readonly me: string | null,
    private readonly renderer: EventRenderer,
    private readonly asker: Asker,
    private readonly s: Styler,
    private readonly write: (text: string) => void,
    options: { after: number; steering: boolean },
  ) {
    this.lastId = options.after;
    this.steering = options.steering;
  }

  get running(): boolean {
    return this.current !== undefined;
  }

  /** Ctrl-C: asks the agent to stop the running turn. Returns false when one is already being stopped. */
  async interrupt(): Promise<boolean> {
    if (!this.current || this.interrupting) return false;
    this.interrupting = true;
    this.renderer.endLine();
    this.write(this.s.yellow('^C interrupting the turn (Ctrl-C again to quit)\n'));
    await this.client
      .json('POST', `/api/sessions/${this.sessionId}/interrupt`, okResponse)
      .catch((error: unknown) =>
        this.write(this.s.red(`could not interrupt: ${(error as Error).message}\n`)),
      );
    return true;
  }

  /**
   * Runs one turn. `send: false` when the message went with the session's
   * creation; `wasBusy` when a turn was already running as it was sent.
   */
  async run(text: string, options: { send: boolean; wasBusy: boolean }): Promise<TurnOutcome> {
    const controller = new AbortController();
    this.current = controller;
    this.interrupting = false;
    const questions = new Map<string, AbortController>();
    let mine = false;
    let started = false;
    let outcome: TurnOutcome | undefined;
    try {
      if (options.send)
        await this.client.json('POST', `/api/sessions/${this.sessionId}/messages`, okResponse, {
          body: { text },
        });
      const events = followSession(this.client, this.sessionId, {
        after: this.lastId,
        signal: controller.signal,
        onReconnect: (error) => this.write(this.s.dim(`(${error.message}; resuming)\n`)),
      });
      for await (const stored of events) {
        this.lastId = stored.id;
        this.state = foldSessionState(this.state, stored);
        this.renderer.render(stored);
        // A request asked is a question here; one answered elsewhere (or dropped by the run's end) cancels it.
        for (const requestId of this.state.pending) this.question(requestId, questions);
        for (const [requestId, question] of questions)
          if (!this.state.pending.includes(requestId)) question.abort();
        const { event } = stored;
        if (event.type === EventType.CUSTOM) {
          if (event.name === HANGAR_EVENT.userMessage) {
            const message = userMessageValue.safeParse(event.value);
            if (message.success && message.data.authorId === this.me && message.data.text === text)
              mine = true;
          } else if (
            event.name === HANGAR_EVENT.status &&
            mine &&
            (this.state.status === 'error' || this.state.status === 'stopped')
          ) {
            outcome = 'error';
          }
        } else if (event.type === EventType.RUN_STARTED && mine) {
          started = true;
        } else if (
          (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR) &&
          mine &&
          (started || (options.wasBusy && this.steering))
        ) {
          outcome = this.interrupting
            ? 'interrupted'
            : event.type === EventType.RUN_ERROR
              ? 'error'
              : 'finished';
        }
        if (outcome) break;
      }
      this.renderer.endLine();
      return outcome ?? 'interrupted';
    } finally {
      for (const question of questions.values()) question.abort();
      controller.abort();
      this.current = undefined;
    }
  }

  /** Asks about a permission request without holding up the stream, and sends the answer. */
  private question(requestId: string, questions: Map<string, AbortController>): void {
    if (questions.has(requestId)) return;
    const controller = new AbortController();
    questions.set(requestId, controller);
    void this.answer(requestId, controller.signal);
  }

  private async answer(requestId: string, signal: AbortSignal): Promise<void> {
    let decision: PermissionDecision | undefined;
    let reason: string | undefined;
    while (!decision && !signal.aborted) {
      const line = await this.asker.ask(QUESTION, signal);
      if (signal.aborted) return;
      if (line === undefined) {
        decision = 'deny';
        reason = 'No answer: the CLI user’s input ended';
        this.write(this.s.yellow('no answer (standard input ended): denied\n'));
        break;
      }
      decision = DECISIONS[line.trim().toLowerCase()];
      if (!decision) this.write('Answer y, n or a.\n');
    }
    if (!decision || signal.aborted) return;
    try {
      await this.client.json('POST', `/api/sessions/${this.sessionId}/permissions`, okResponse, {
        body: { requestId, decision, ...(reason && { reason }) },
      });
    } catch (error) {
      // Answered by someone else in the meantime, or the turn ended: say so, go on.
      this.write(
        this.s.yellow(`answer not taken: ${error instanceof CliError ? error.message : String(error)}\n`),
      );
    }
  }
}
