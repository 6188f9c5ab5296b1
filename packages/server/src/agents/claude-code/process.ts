import type { SpawnedChild } from '../../sandbox/spawner.js';
import { randomUUID } from 'node:crypto';
import { EventType, HANGAR_EVENT, type PermissionDecision } from '@hangar/protocol';
import type { AgentLaunch, AgentProcess } from '../adapter.js';
import { readJsonLines } from '../common/json-lines.js';
import { stopAgentProcess } from '../common/stop.js';
import { claudeLine, toClaude, type ClaudeLine } from './protocol.js';
import { ClaudeCodeTranslator } from './translator.js';

/** Milliseconds stop() waits for a clean exit after closing stdin, before SIGKILL. */
const STOP_GRACE_MS = 3000;
/** Milliseconds a control request of Hangar's (set_model) may wait for its answer. */
const CONTROL_TIMEOUT_MS = 10_000;

type CanUseTool = { toolName: string; input: unknown };

/** One `claude -p` process: Hangar's messages and answers in, AG-UI events out. */
export class ClaudeCodeProcess implements AgentProcess {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly translator: ClaudeCodeTranslator;
  private readonly pending = new Map<string, CanUseTool>();
  /** Tools the person allowed for the rest of the session. */
  private readonly allowedTools = new Set<string>();
  private stderrTail = '';
  /** Hangar's control requests waiting for Claude Code's control_response, by request id. */
  private readonly controlAnswers = new Map<string, (error: string | undefined) => void>();

  constructor(
    private readonly child: SpawnedChild,
    private readonly launch: AgentLaunch,
  ) {
    this.translator = new ClaudeCodeTranslator(launch.sessionId, launch.emit);
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        const how = signal ? `signal ${signal}` : `exit code ${code}`;
        const detail = this.stderrTail.trim().split('\n').slice(-3).join('\n');
        this.translator.failRun(`Claude Code ended (${how})${detail ? `: ${detail}` : ''}`, 'agent_exited');
        for (const resolveAnswer of this.controlAnswers.values()) resolveAnswer(`Claude Code ended (${how})`);
        this.controlAnswers.clear();
        resolve({ code, signal });
      });
    });
    child.once('error', () => undefined); // a spawn failure also ends in 'close'
    child.stdin?.on('error', () => undefined); // writes after exit; 'close' reports the exit
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-2000);
    });
    if (child.stdout) readJsonLines(child.stdout, claudeLine, (line) => this.onLine(line));
  }

  async send(text: string): Promise<void> {
    this.translator.startRun();
    this.write(toClaude.user(text));
  }

  async interrupt(): Promise<void> {
    if (this.translator.running) this.write(toClaude.interrupt(randomUUID()));
  }

  /** The `set_model` control request; Claude Code uses the model from its next model call on. */
  async setModel(model: string): Promise<void> {
    const requestId = randomUUID();
    const answer = new Promise<{ error?: string }>((resolve) => {
      const timer = setTimeout(() => {
        this.controlAnswers.delete(requestId);
        resolve({ error: `no answer within ${CONTROL_TIMEOUT_MS / 1000} s` });
      }, CONTROL_TIMEOUT_MS);
      this.controlAnswers.set(requestId, (error) => {
        clearTimeout(timer);
        resolve(error === undefined ? {} : { error });
      });
    });
    this.write(toClaude.setModel(requestId, model));
    const { error } = await answer;
    if (error !== undefined) throw new Error(`Claude Code could not switch to ${model}: ${error}`);
  }

  async answerPermission(requestId: string, decision: PermissionDecision, reason?: string): Promise<void> {
    const request = this.pending.get(requestId);
    if (!request) throw new Error(`no permission request ${requestId} is waiting`);
    this.pending.delete(requestId);
    if (decision === 'deny') {
      this.write(
        toClaude.answer(requestId, { behavior: 'deny', message: reason ?? 'Denied by the Hangar user' }),
      );
      return;
    }
    if (decision === 'allow_session') this.allowedTools.add(request.toolName);
    this.write(toClaude.answer(requestId, allow(request, decision === 'allow_session')));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    // stdin EOF while idle: Claude Code exits 0 within ~50 ms.
    await stopAgentProcess(this.child, this.exited, STOP_GRACE_MS);
  }

  private write(message: object): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
  }

  /** A line of stdout that matches claudeLine (line types the adapter does not use are skipped). */
  private onLine(line: ClaudeLine): void {
    if (line.type === 'system' && line.subtype === 'init' && line.session_id)
      this.launch.setResumeId(line.session_id);
    if (line.type === 'control_request') this.controlRequest(line);
    else if (line.type === 'control_response') this.controlResponse(line);
    else this.translator.line(line);
  }

  private controlResponse(line: Extract<ClaudeLine, { type: 'control_response' }>): void {
    const id = line.response.request_id;
    const resolve = id === undefined ? undefined : this.controlAnswers.get(id);
    if (!resolve || id === undefined) return;
    this.controlAnswers.delete(id);
    resolve(line.response.subtype === 'success' ? undefined : (line.response.error ?? 'refused'));
  }

  private controlRequest(line: Extract<ClaudeLine, { type: 'control_request' }>): void {
    const { request_id: requestId, request } = line;
    if (request.subtype !== 'can_use_tool' || !request.tool_name) {
      this.write(toClaude.refuse(requestId, `Hangar does not handle ${request.subtype}`));
      return;
    }
    const ask: CanUseTool = { toolName: request.tool_name, input: request.input ?? {} };
    if (this.launch.permissionMode === 'allow_all' || this.allowedTools.has(ask.toolName)) {
      this.write(toClaude.answer(requestId, allow(ask, false)));
      return;
    }
    this.pending.set(requestId, ask);
    this.launch.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.permissionRequest,
      value: {
        requestId,
        toolName: ask.toolName,
        input: ask.input,
        ...(request.tool_use_id && { toolCallId: request.tool_use_id }),
        ...(request.description && { summary: request.description }),
      },
    });
  }
}

function allow(request: CanUseTool, forSession: boolean): Record<string, unknown> {
  return {
    behavior: 'allow',
    updatedInput: request.input,
    ...(forSession && {
      updatedPermissions: [
        {
          type: 'addRules',
          rules: [{ toolName: request.toolName }],
          behavior: 'allow',
          destination: 'session',
        },
      ],
    }),
  };
}
