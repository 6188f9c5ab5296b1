import type { SpawnedChild } from '../../sandbox/spawner.js';
import { EventType, HANGAR_EVENT, type PermissionDecision } from '@hangar/protocol';
import type { AgentLaunch, AgentProcess } from '../adapter.js';
import { readJsonLines } from '../common/json-lines.js';
import { stopAgentProcess } from '../common/stop.js';
import {
  approvalParams,
  codexMessage,
  threadResult,
  turnResult,
  type ApprovalParams,
  type CodexMessage,
} from './rpc.js';
import { CodexTranslator } from './translator.js';
import { CodexUsageCounter } from './usage.js';

/** How long stop() waits for Codex to exit on stdin EOF before killing it, in ms. */
const STOP_GRACE_MS = 3000;
/** How long a request (initialize, thread/start…) may take before it fails, in ms. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Hangar's sandbox is the boundary: no Codex OS sandbox, and Codex asks before every command. */
const APPROVAL_POLICY = 'untrusted';
const SANDBOX = 'danger-full-access';

const APPROVAL_METHODS: Record<string, string> = {
  'item/commandExecution/requestApproval': 'exec_command',
  'item/fileChange/requestApproval': 'apply_patch',
};

type Result = { result?: unknown; error?: string };
type Pending = { id: number | string; toolName: string; itemId: string };

/** One `codex app-server` process: JSON-RPC requests in, notifications and approval requests out. */
export class CodexProcess implements AgentProcess {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly translator: CodexTranslator;
  private readonly waiting = new Map<number, (result: Result) => void>();
  /** Approval requests waiting for a person, by Hangar request id. */
  private readonly pending = new Map<string, Pending>();
  /** Tools allowed for the rest of the session (allow_session). */
  private readonly allowedTools = new Set<string>();
  /** Turns this process started: a usage update of another turn is a replay. */
  private readonly turns = new Set<string>();
  private readonly usage = new CodexUsageCounter();
  private nextId = 0;
  private ended = false;
  private stderr = '';
  private threadId: string | undefined;
  private turnId: string | undefined;
  private model: string;

  constructor(
    private readonly child: SpawnedChild,
    private readonly launch: AgentLaunch,
  ) {
    this.model = launch.model;
    this.translator = new CodexTranslator(launch.sessionId, (event) => launch.emit(event));
    readJsonLines(child.stdout!, codexMessage, (message) => this.onMessage(message));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE after the process died: exited reports it
    child.once('error', () => undefined); // a spawn failure also ends in 'exit'
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        // The session reports an unexpected end as RUN_ERROR itself.
        this.ended = true;
        for (const resolveWaiting of this.waiting.values()) resolveWaiting({ error: 'Codex exited' });
        this.waiting.clear();
        resolve({ code, signal });
      });
    });
  }

  /** The handshake, then a new thread or the earlier one (its id is kept for resume). */
  async init(): Promise<void> {
    const init = await this.request('initialize', {
      clientInfo: { name: 'hangar', title: 'Hangar', version: '0.0.1' },
      capabilities: null,
    });
    if (init.error) throw new Error(`Codex did not start: ${this.why(init.error)}`);
    this.write({ method: 'initialized' });
    const settings = { cwd: '/workspace', approvalPolicy: APPROVAL_POLICY, sandbox: SANDBOX };
    let thread: Result | undefined;
    if (this.launch.resumeId) {
      thread = await this.request('thread/resume', { threadId: this.launch.resumeId, ...settings });
      if (thread.error) thread = undefined; // its rollout is gone: a new thread
    }
    thread ??= await this.request('thread/start', { ...settings, model: this.model });
    const parsed = threadResult.safeParse(thread.result);
    if (!parsed.success) throw new Error(`Codex did not open a thread: ${this.why(thread.error)}`);
    this.threadId = parsed.data.thread.id;
    this.launch.setResumeId(this.threadId);
  }

  async send(text: string): Promise<void> {
    this.translator.startRun();
    const response = await this.request('turn/start', {
      threadId: this.threadId,
      input: [{ type: 'text', text, text_elements: [] }],
      approvalPolicy: APPROVAL_POLICY,
      model: this.model,
    });
    const turn = turnResult.safeParse(response.result);
    if (turn.success) this.onTurn(turn.data.turn.id);
    else this.translator.failRun(`Codex refused the message: ${this.why(response.error)}`, 'prompt_refused');
  }

  /** `turn/steer`: the text joins the running turn (Codex checks that it is still the turn we know). */
  async steer(text: string): Promise<boolean> {
    if (!this.translator.running || !this.threadId || !this.turnId) return false;
    const response = await this.request('turn/steer', {
      threadId: this.threadId,
      input: [{ type: 'text', text, text_elements: [] }],
      expectedTurnId: this.turnId,
    });
    return response.error === undefined;
  }

  async interrupt(): Promise<void> {
    if (!this.translator.running || !this.threadId || !this.turnId) return;
    await this.request('turn/interrupt', { threadId: this.threadId, turnId: this.turnId });
  }

  /** Applies from the next turn on (`turn/start` carries the model). */
  async setModel(model: string): Promise<void> {
    this.model = model;
  }

  async answerPermission(requestId: string, decision: PermissionDecision, reason?: string): Promise<void> {
    const request = this.pending.get(requestId);
    if (!request) throw new Error(`no permission request ${requestId} is waiting`);
    this.pending.delete(requestId);
    if (decision === 'deny') this.translator.denied(request.itemId, await this.tell(request, reason));
    if (decision === 'allow_session') this.allowedTools.add(request.toolName);
    const answer =
      decision === 'deny' ? 'decline' : decision === 'allow_session' ? 'acceptForSession' : 'accept';
    this.write({ id: request.id, result: { decision: answer } });
  }

  /**
   * A decline carries no reason (v2/CommandExecutionApprovalDecision.ts), and the model only reads
   * "rejected by user". The reason goes into the thread's history before the decline
   * (`thread/inject_items`): Codex adds it after the tool's output, in the model's next request.
   * Returns the reason for the tool result, saying so when Codex could not be told.
   */
  private async tell(request: Pending, reason: string | undefined): Promise<string | undefined> {
    if (!reason || !this.threadId) return reason;
    const text = `The person using Hangar denied this ${request.toolName} call: ${reason}`;
    const item = { type: 'message', role: 'user', content: [{ type: 'input_text', text }] };
    const injected = await this.request('thread/inject_items', { threadId: this.threadId, items: [item] });
    return injected.error === undefined ? reason : `${reason} (the agent was not told the reason)`;
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    await stopAgentProcess(this.child, this.exited, STOP_GRACE_MS); // Codex exits 0 on stdin EOF
  }

  private onMessage(message: CodexMessage): void {
    if (message.id !== undefined && message.method) return this.onRequest(message);
    if (message.id !== undefined) {
      const resolve = typeof message.id === 'number' ? this.waiting.get(message.id) : undefined;
      if (!resolve) return;
      this.waiting.delete(message.id as number);
      resolve(message.error ? { error: message.error.message ?? 'error' } : { result: message.result });
      return;
    }
    if (!message.method) return;
    if (message.method === 'turn/started') {
      const turn = turnResult.safeParse(message.params);
      if (turn.success) this.onTurn(turn.data.turn.id);
    }
    let params = message.params;
    if (message.method === 'thread/tokenUsage/updated') {
      // Codex repeats usage at an interrupt and on resume: only tokens not counted yet go on, as `last`.
      params = this.usage.count(params, (turnId) => this.turns.has(turnId));
      if (params === undefined) return;
    }
    this.translator.notification(message.method, params);
  }

  private onTurn(turnId: string): void {
    this.turnId = turnId;
    this.turns.add(turnId);
  }

  /** A request from Codex: approvals go to a person (or are answered by the mode); others are refused. */
  private onRequest(message: CodexMessage): void {
    const id = message.id!;
    const toolName = APPROVAL_METHODS[message.method!];
    const params = approvalParams.safeParse(message.params);
    if (!toolName || !params.success) {
      this.write({ id, error: { code: -32601, message: `Hangar does not handle ${message.method}` } });
      return;
    }
    const mode = this.launch.permissionMode;
    if (
      mode === 'allow_all' ||
      this.allowedTools.has(toolName) ||
      (mode === 'allow_edits' && toolName === 'apply_patch')
    ) {
      this.write({ id, result: { decision: 'accept' } });
      return;
    }
    const requestId = `codex-${String(id)}-${params.data.itemId}`;
    this.pending.set(requestId, { id, toolName, itemId: params.data.itemId });
    this.launch.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.permissionRequest,
      value: {
        requestId,
        toolName,
        input: approvalInput(toolName, params.data),
        toolCallId: params.data.itemId,
        summary: summarize(toolName, params.data),
      },
    });
  }

  private request(method: string, params: unknown): Promise<Result> {
    if (this.ended) return Promise.resolve({ error: 'Codex exited' });
    const id = ++this.nextId;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        resolve({ error: `no answer to ${method} within ${REQUEST_TIMEOUT_MS / 1000} s` });
      }, REQUEST_TIMEOUT_MS);
      this.waiting.set(id, (result) => {
        clearTimeout(timer);
        resolve(result);
      });
      this.write({ id, method, params });
    });
  }

  private write(body: Record<string, unknown>): void {
    if (this.ended || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${JSON.stringify(body)}\n`);
  }

  private why(error: string | undefined): string {
    return [error, this.stderr.trim().split('\n').slice(-3).join('\n')].filter(Boolean).join(': ');
  }
}

function innerCommand(params: ApprovalParams): string | undefined {
  return params.commandActions?.[0]?.command ?? params.command ?? undefined;
}

function approvalInput(toolName: string, params: ApprovalParams): unknown {
  if (toolName === 'exec_command')
    return {
      command: innerCommand(params),
      cwd: params.cwd ?? undefined,
      reason: params.reason ?? undefined,
    };
  return { reason: params.reason ?? undefined, grantRoot: params.grantRoot ?? undefined };
}

/** A one-line title for the permission card. */
function summarize(toolName: string, params: ApprovalParams): string {
  if (toolName === 'exec_command') return `Run: ${innerCommand(params) ?? 'a command'}`;
  return params.reason ? `Change files: ${params.reason}` : 'Change files';
}
