import type { SpawnedChild } from '../../sandbox/spawner.js';
import { EventType, HANGAR_EVENT, type PermissionDecision } from '@hangar/protocol';
import type { AgentLaunch, AgentProcess } from '../adapter.js';
import { readJsonLines } from '../common/json-lines.js';
import { stopAgentProcess } from '../common/stop.js';
import { APPROVAL_TITLE, providerFor } from './config.js';
import { approvalRequest, piLine, toolArgs, type PiLine } from './rpc.js';
import { PiTranslator } from './translator.js';

/** How long stop() waits for Pi to exit on stdin EOF before killing it, in ms. */
const STOP_GRACE_MS = 3000;
/** The tools `allow_edits` runs without asking; every other tool asks unless the mode is `allow_all`. */
const EDIT_TOOLS = new Set(['write', 'edit']);

/** One `pi --mode rpc` process: commands in on stdin, events out on stdout. */
export class PiProcess implements AgentProcess {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  private readonly translator: PiTranslator;
  /** Tools allowed for the rest of the session (allow_session). */
  private readonly allowedTools = new Set<string>();
  /** Open approval requests: their tool, by request id. */
  private readonly pendingTools = new Map<string, string>();
  private readonly waiting = new Map<string, (line: Extract<PiLine, { type: 'response' }>) => void>();
  private nextId = 0;
  private ended = false;
  private stderr = '';

  constructor(
    private readonly child: SpawnedChild,
    private readonly launch: AgentLaunch,
  ) {
    this.translator = new PiTranslator(launch.sessionId, (event) => launch.emit(event));
    readJsonLines(child.stdout!, piLine, (line) => this.onLine(line));
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-4000);
    });
    child.stdin!.on('error', () => undefined); // EPIPE after the process died: exited reports it
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        // The session reports an unexpected end as RUN_ERROR itself.
        this.ended = true;
        for (const resolveWaiting of this.waiting.values())
          resolveWaiting({ type: 'response', command: '?', success: false, error: 'Pi exited' });
        this.waiting.clear();
        resolve({ code, signal });
      });
    });
  }

  /** Asks Pi for its session file, for resume after a restart. */
  async init(): Promise<void> {
    const state = await this.command({ type: 'get_state' });
    if (!state.success)
      throw new Error(`Pi did not start: ${[state.error, this.stderr.trim()].filter(Boolean).join(': ')}`);
    if (state.data?.sessionFile) this.launch.setResumeId(state.data.sessionFile);
    // Pi retries a failed model call with growing delays; Hangar shows the error at once and the person retries.
    await this.command({ type: 'set_auto_retry', enabled: false });
  }

  async send(text: string): Promise<void> {
    // While a run goes on, Pi refuses a plain prompt: queue it after the current one.
    const busy = this.translator.running;
    if (!busy) this.translator.startRun();
    const response = await this.command({
      type: 'prompt',
      message: text,
      ...(busy && { streamingBehavior: 'followUp' }),
    });
    if (!response.success && !busy)
      this.translator.failRun(response.error ?? 'Pi refused the prompt.', 'prompt_refused');
  }

  /** Pi's `steer`: the text reaches the model at its next call within the running turn. */
  async steer(text: string): Promise<boolean> {
    if (!this.translator.running) return false;
    const response = await this.command({ type: 'steer', message: text });
    return response.success;
  }

  async interrupt(): Promise<void> {
    this.write({ type: 'abort' });
  }

  /** Pi's `set_model`: models.json lists every model the session may switch to. */
  async setModel(model: string): Promise<void> {
    const response = await this.command({ type: 'set_model', provider: providerFor(model), modelId: model });
    if (!response.success) throw new Error(`Pi could not switch to ${model}: ${response.error ?? 'refused'}`);
  }

  async answerPermission(requestId: string, decision: PermissionDecision, reason?: string): Promise<void> {
    if (decision === 'allow_session') {
      const toolName = this.pendingTools.get(requestId);
      if (toolName) this.allowedTools.add(toolName);
    }
    this.pendingTools.delete(requestId);
    const value = decision === 'deny' ? `deny:${reason ?? ''}` : 'allow';
    this.write({ type: 'extension_ui_response', id: requestId, value });
  }

  async stop(): Promise<void> {
    if (this.ended) return;
    await stopAgentProcess(this.child, this.exited, STOP_GRACE_MS); // Pi exits 0 on EOF
  }

  /** A line Pi wrote that matches piLine (others, e.g. events the adapter does not translate, are skipped). */
  private onLine(line: PiLine): void {
    if (line.type === 'response') {
      const resolve = line.id === undefined ? undefined : this.waiting.get(line.id);
      if (resolve && line.id !== undefined) {
        this.waiting.delete(line.id);
        resolve(line);
      }
      return;
    }
    if (line.type === 'extension_ui_request') return this.onDialog(line);
    this.translator.handle(line);
  }

  /** The approval extension's question: answered at once when the mode allows, else asked of a person. */
  private onDialog(line: Extract<PiLine, { type: 'extension_ui_request' }>): void {
    if (!line.title?.startsWith(APPROVAL_TITLE)) {
      // Dialogs of other extensions: no person answers them here.
      if (['select', 'confirm', 'input', 'editor'].includes(line.method))
        this.write({ type: 'extension_ui_response', id: line.id, cancelled: true });
      return;
    }
    const toolName = line.title.slice(APPROVAL_TITLE.length);
    const request = approvalRequest.safeParse(safeJson(line.placeholder));
    const mode = this.launch.permissionMode;
    if (
      this.allowedTools.has(toolName) ||
      mode === 'allow_all' ||
      (mode === 'allow_edits' && EDIT_TOOLS.has(toolName))
    ) {
      this.write({ type: 'extension_ui_response', id: line.id, value: 'allow' });
      return;
    }
    this.pendingTools.set(line.id, toolName);
    const input = request.success ? request.data.input : undefined;
    this.launch.emit({
      type: EventType.CUSTOM,
      name: HANGAR_EVENT.permissionRequest,
      value: {
        requestId: line.id,
        toolName,
        input: input ?? null,
        ...(request.success && request.data.toolCallId && { toolCallId: request.data.toolCallId }),
        summary: summarize(toolName, input),
      },
    });
  }

  private command(body: Record<string, unknown>): Promise<Extract<PiLine, { type: 'response' }>> {
    const id = `h${++this.nextId}`;
    if (this.ended)
      return Promise.resolve({ type: 'response', command: '?', success: false, error: 'Pi exited' });
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      this.write({ ...body, id });
    });
  }

  private write(body: Record<string, unknown>): void {
    if (this.ended || !this.child.stdin!.writable) return;
    this.child.stdin!.write(`${JSON.stringify(body)}\n`);
  }
}

function safeJson(text: string | undefined): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/** The verb of a permission card's title for Pi's tools that take a path. */
const PATH_VERBS: Record<string, string> = {
  write: 'Write',
  edit: 'Edit',
  read: 'Read',
  ls: 'List',
  grep: 'Search',
  find: 'Find in',
};

/** A one-line title for the permission card. */
function summarize(toolName: string, input: unknown): string {
  const args = toolArgs.safeParse(input);
  if (toolName === 'bash' && args.data?.command) return `Run: ${args.data.command}`;
  const verb = PATH_VERBS[toolName];
  if (verb && args.data?.path) return `${verb} ${args.data.path}`;
  return `Use ${toolName}`;
}
