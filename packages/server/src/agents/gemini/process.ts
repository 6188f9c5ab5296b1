import type { SpawnedChild } from '../../sandbox/spawner.js';
import { randomUUID } from 'node:crypto';
import { EventType, HANGAR_EVENT, type PermissionDecision } from '@hangar/protocol';
import type { AgentLaunch, AgentProcess } from '../adapter.js';
import { readJsonLines } from '../common/json-lines.js';
import { stopAgentProcess } from '../common/stop.js';
import {
  ACP_PROTOCOL_VERSION,
  acpMessage,
  type AcpMessage,
  errorMessage,
  newSessionResult,
  permissionRequestParams,
  promptResult,
  sessionUpdate,
  sessionUpdateParams,
  toolInput,
  toolNameOf,
  type PermissionRequestParams,
  type RpcError,
} from './acp.js';
import { WORKSPACE_DIR } from './config.js';
import { GeminiTranslator } from './translator.js';

/** How long stop() waits for Gemini to exit on stdin EOF (~1.5 s measured) before killing it, in ms. */
const STOP_GRACE_MS = 4000;

/** session/load's replay: over once no update came for REPLAY_QUIET_MS, or after REPLAY_MAX_MS. */
const REPLAY_QUIET_MS = 300;
const REPLAY_MAX_MS = 5000;

type Answer = { result: unknown } | { error: RpcError };
type Pending = { rpcId: number | string; params: PermissionRequestParams; toolName: string };

/** ACP option kinds for Hangar's decisions. */
const OPTION_KIND: Record<PermissionDecision, string> = {
  allow: 'allow_once',
  allow_session: 'allow_always',
  deny: 'reject_once',
};

/** One `gemini --acp` process: JSON-RPC requests in on stdin, answers and notifications out on stdout. */
export class GeminiProcess implements AgentProcess {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly translator: GeminiTranslator;
  private readonly waiting = new Map<number, (answer: Answer) => void>();
  /** Open permission requests, by Hangar request id. */
  private readonly pending = new Map<string, Pending>();
  /** Tools the person allowed for the rest of the session. */
  private readonly allowedTools = new Set<string>();
  /**
   * Why the person denied tool calls: ACP's permission answer carries no text (Gemini tells the model
   * only that the call was cancelled), so the reasons go with the next prompt, before its text.
   */
  private denials: string[] = [];
  private nextId = 0;
  private acpSessionId = '';
  /** While `session/load` replays the history (already in Hangar's log), updates are not translated. */
  private replaying = false;
  private ended = false;
  private stderr = '';
  private lastUpdateAt = Date.now();

  constructor(
    private readonly child: SpawnedChild,
    private readonly launch: AgentLaunch,
  ) {
    this.translator = new GeminiTranslator(launch.sessionId, (event) => launch.emit(event));
    readJsonLines(child.stdout!, acpMessage, (message) => this.onMessage(message));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE after the process died: exited reports it
    child.once('error', () => undefined); // a spawn failure also ends in 'close'
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.ended = true;
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        for (const resolveWaiting of this.waiting.values())
          resolveWaiting({ error: { code: -1, message: `Gemini CLI ended (${how})` } });
        this.waiting.clear();
        this.translator.failRun(`Gemini CLI ended (${how})${this.stderrDetail()}`, 'agent_exited');
        resolve({ code, signal });
      });
    });
  }

  /** `initialize`, then a new session, or the earlier one loaded (its history replayed and dropped). */
  async init(resumeId: string | null): Promise<void> {
    const init = await this.request('initialize', {
      protocolVersion: ACP_PROTOCOL_VERSION,
      // Gemini reads, writes and runs commands itself, inside the sandbox.
      clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
    });
    if ('error' in init) throw new Error(`Gemini CLI did not start: ${this.describe(init.error)}`);
    if (resumeId) {
      this.replaying = true;
      const loaded = await this.request('session/load', {
        sessionId: resumeId,
        cwd: WORKSPACE_DIR,
        mcpServers: [],
      });
      if (!('error' in loaded)) await this.replayDone();
      this.replaying = false;
      if ('error' in loaded)
        throw new Error(`Gemini CLI could not resume session ${resumeId}: ${this.describe(loaded.error)}`);
      this.acpSessionId = resumeId;
    } else {
      const created = await this.request('session/new', { cwd: WORKSPACE_DIR, mcpServers: [] });
      if ('error' in created)
        throw new Error(`Gemini CLI did not open a session: ${this.describe(created.error)}`);
      const session = newSessionResult.safeParse(created.result);
      if (!session.success) throw new Error('Gemini CLI answered session/new without a session id');
      this.acpSessionId = session.data.sessionId;
    }
    this.launch.setResumeId(this.acpSessionId);
  }

  async send(text: string): Promise<void> {
    this.translator.startRun();
    const denials = this.denials.map((reason) => ({ type: 'text', text: reason }));
    this.denials = [];
    // Not awaited: the answer comes when the turn ends, and ends the run.
    void this.request('session/prompt', {
      sessionId: this.acpSessionId,
      prompt: [...denials, { type: 'text', text }],
    }).then((answer) => {
      if ('error' in answer) {
        this.translator.failRun(
          errorMessage(answer.error),
          answer.error.code === -1 ? 'agent_exited' : 'agent_error',
        );
        return;
      }
      const result = promptResult.safeParse(answer.result);
      this.translator.finishRun(result.success ? result.data : { stopReason: 'end_turn' });
    });
  }

  /** ACP `session/set_model` (Gemini CLI's unstable_setSessionModel): used from the next model call on. */
  async setModel(model: string): Promise<void> {
    const answer = await this.request('session/set_model', { sessionId: this.acpSessionId, modelId: model });
    if ('error' in answer)
      throw new Error(`Gemini CLI could not switch to ${model}: ${this.describe(answer.error)}`);
  }

  async interrupt(): Promise<void> {
    if (!this.translator.running) return;
    // ACP: the client answers its open permission requests as cancelled, then notifies.
    for (const [requestId, request] of this.pending) {
      this.respond(request.rpcId, { outcome: { outcome: 'cancelled' } });
      this.translator.toolResult(request.params.toolCall, 'Cancelled.');
      this.pending.delete(requestId);
    }
    this.notify('session/cancel', { sessionId: this.acpSessionId });
  }

  async answerPermission(requestId: string, decision: PermissionDecision, reason?: string): Promise<void> {
    const request = this.pending.get(requestId);
    if (!request) throw new Error(`no permission request ${requestId} is waiting`);
    this.pending.delete(requestId);
    if (decision === 'allow_session') this.allowedTools.add(request.toolName);
    this.choose(request, OPTION_KIND[decision]);
    if (decision !== 'deny') return;
    // Gemini sends nothing more for a rejected call (the model is told it was cancelled): close its card.
    const call = request.params.toolCall;
    if (reason) {
      const what = call.title ? `${request.toolName} (${call.title})` : request.toolName;
      this.denials.push(`[Hangar] The person denied your call of ${what}, and said why: ${reason}`);
    }
    this.translator.toolResult(
      call,
      reason
        ? `Denied by the Hangar user: ${reason} (Gemini CLI hears the reason with the next message: ACP's answer carries no text)`
        : 'Denied by the Hangar user',
    );
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    await stopAgentProcess(this.child, this.exited, STOP_GRACE_MS); // Gemini exits 0 on stdin EOF
  }

  private onMessage(message: AcpMessage): void {
    if (message.method !== undefined) {
      if (message.id !== undefined) this.onRequest(message.id, message.method, message.params);
      else this.onNotification(message.method, message.params);
      return;
    }
    if (typeof message.id !== 'number') return;
    const resolve = this.waiting.get(message.id);
    if (!resolve) return;
    this.waiting.delete(message.id);
    resolve(message.error ? { error: message.error } : { result: message.result });
  }

  /**
   * Gemini may go on replaying the history after answering `session/load`:
   * waits until the updates go quiet (or REPLAY_MAX_MS passed).
   */
  private async replayDone(): Promise<void> {
    const until = Date.now() + REPLAY_MAX_MS;
    this.lastUpdateAt = Date.now();
    while (Date.now() < until && Date.now() - this.lastUpdateAt < REPLAY_QUIET_MS)
      await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private onNotification(method: string, params: unknown): void {
    if (method !== 'session/update') return;
    this.lastUpdateAt = Date.now();
    // Outside a prompt an update is history (replayed by session/load), already in Hangar's log.
    if (this.replaying || !this.translator.running) return;
    const notification = sessionUpdateParams.safeParse(params);
    if (!notification.success || notification.data.sessionId !== this.acpSessionId) return;
    const update = sessionUpdate.safeParse(notification.data.update);
    if (update.success) this.translator.update(update.data);
  }

  private onRequest(rpcId: number | string, method: string, params: unknown): void {
    if (method !== 'session/request_permission') {
      this.write({
        jsonrpc: '2.0',
        id: rpcId,
        error: { code: -32601, message: `Hangar does not handle ${method}` },
      });
      return;
    }
    const parsed = permissionRequestParams.safeParse(params);
    if (!parsed.success) {
      this.respond(rpcId, { outcome: { outcome: 'cancelled' } });
      return;
    }
    const request: Pending = { rpcId, params: parsed.data, toolName: toolNameOf(parsed.data.toolCall) };
    const call = parsed.data.toolCall;
    this.translator.startRun();
    this.translator.toolStarted(call);
    const mode = this.launch.permissionMode;
    if (
      this.allowedTools.has(request.toolName) ||
      mode === 'allow_all' ||
      (mode === 'allow_edits' && call.kind === 'edit')
    ) {
      this.choose(request, 'allow_once');
      return;
    }
    const requestId = randomUUID();
    this.pending.set(requestId, request);
    this.launch.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.permissionRequest,
      value: {
        requestId,
        toolCallId: call.toolCallId,
        toolName: request.toolName,
        input: toolInput(call),
        ...(call.title && { summary: call.title }),
      },
    });
  }

  /** Answers a permission request with the offered option of that kind (or the first that fits). */
  private choose(request: Pending, kind: string): void {
    const options = request.params.options;
    const option =
      options.find((o) => o.kind === kind) ??
      (kind === 'allow_always' ? options.find((o) => o.kind === 'allow_once') : undefined) ??
      (kind.startsWith('reject') ? options.find((o) => o.kind.startsWith('reject')) : undefined);
    this.respond(
      request.rpcId,
      option
        ? { outcome: { outcome: 'selected', optionId: option.optionId } }
        : { outcome: { outcome: 'cancelled' } },
    );
  }

  private request(method: string, params: Record<string, unknown>): Promise<Answer> {
    if (this.ended) return Promise.resolve({ error: { code: -1, message: 'Gemini CLI has exited' } });
    const id = ++this.nextId;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.write({ jsonrpc: '2.0', id, method, params });
    });
  }

  private notify(method: string, params: Record<string, unknown>): void {
    this.write({ jsonrpc: '2.0', method, params });
  }

  private respond(id: number | string, result: unknown): void {
    this.write({ jsonrpc: '2.0', id, result });
  }

  private write(message: Record<string, unknown>): void {
    if (this.ended || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  private describe(error: RpcError): string {
    return `${errorMessage(error)}${this.stderrDetail()}`;
  }

  private stderrDetail(): string {
    // Gemini's stderr always carries noise ("256-color support…", [STARTUP]); keep its last lines.
    const lines = this.stderr
      .trim()
      .split('\n')
      .filter((line) => line && !line.startsWith('[STARTUP]'))
      .slice(-3)
      .join('\n');
    return lines ? `: ${lines}` : '';
  }
}
