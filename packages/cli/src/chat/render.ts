import {
  EventType,
  HANGAR_EVENT,
  fileChangeValue,
  permissionAnswerValue,
  permissionRequestValue,
  statusValue,
  usageValue,
  userMessageValue,
  type StoredEvent,
} from '@hangar/protocol';
import type { Styler } from '../ui/style.js';

/** Lines of a tool's arguments or result shown in a tool card before "… N more lines". */
const CARD_LINES = 8;
/** Characters of one argument or result line shown before it is cut. */
const LINE_CHARS = 160;

export interface RenderOptions {
  /** Show people's messages (`logs`); chat leaves out the one just typed. */
  userMessages: 'all' | 'others';
  /** Show every status change (`logs`), or only errors and stalls (`chat`). */
  statuses: 'all' | 'problems';
  /** The id of the user running the CLI, to tell their messages apart. */
  me?: string | null;
}

/**
 * Turns a session's event stream into terminal text: the agent's reply as it
 * streams, reasoning dimmed, tool calls as small cards with their result,
 * permission requests and answers, usage. Writes through `write` only.
 */
export class EventRenderer {
  private atLineStart = true;
  private readonly tools = new Map<string, { name: string; args: string }>();
  /** Tool calls whose card is on screen: a permission request for one needs no second copy of its arguments. */
  private readonly shown = new Set<string>();

  constructor(
    private readonly write: (text: string) => void,
    private readonly s: Styler,
    private readonly options: RenderOptions,
  ) {}

  render({ event }: StoredEvent): void {
    switch (event.type) {
      case EventType.TEXT_MESSAGE_START:
        return this.block();
      case EventType.TEXT_MESSAGE_CONTENT:
        return this.text(event.delta);
      case EventType.TEXT_MESSAGE_END:
        return this.endLine();
      case EventType.REASONING_MESSAGE_START:
        this.block();
        return this.text(this.s.dim(this.s.italic('thinking: ')));
      case EventType.REASONING_MESSAGE_CONTENT:
        return this.text(this.s.dim(this.s.italic(event.delta)));
      case EventType.REASONING_MESSAGE_END:
        return this.endLine();
      case EventType.TOOL_CALL_START:
        this.tools.set(event.toolCallId, { name: event.toolCallName, args: '' });
        return;
      case EventType.TOOL_CALL_ARGS: {
        const tool = this.tools.get(event.toolCallId);
        if (tool) tool.args += event.delta;
        return;
      }
      case EventType.TOOL_CALL_END:
        return this.toolCard(event.toolCallId);
      case EventType.TOOL_CALL_RESULT:
        return this.toolResult(
          event.toolCallId,
          typeof event.content === 'string'
            ? event.content
            : event.content.map((part) => ('text' in part ? String(part.text) : `[${part.type}]`)).join(''),
        );
      case EventType.RUN_ERROR:
        return this.line(this.s.red(`✗ ${event.message}${event.code ? ` (${event.code})` : ''}`));
      case EventType.CUSTOM:
        return this.custom(event.name, event.value);
      default:
        return;
    }
  }

  /** Ends an open line, so the next output starts on its own. */
  endLine(): void {
    if (!this.atLineStart) this.write('\n');
    this.atLineStart = true;
  }

  private block(): void {
    this.endLine();
  }

  private text(text: string): void {
    if (!text) return;
    this.write(text);
    this.atLineStart = text.endsWith('\n');
  }

  private line(text: string): void {
    this.endLine();
    this.write(`${text}\n`);
  }

  private toolCard(toolCallId: string): void {
    const tool = this.tools.get(toolCallId);
    if (!tool) return;
    this.shown.add(toolCallId);
    this.line(`${this.s.cyan('╭─')} ${this.s.bold(tool.name)}`);
    for (const line of clip(argumentLines(tool.args))) this.line(`${this.s.cyan('│')} ${this.s.dim(line)}`);
  }

  private toolResult(toolCallId: string, content: string): void {
    const name = this.tools.get(toolCallId)?.name ?? 'tool';
    this.tools.delete(toolCallId);
    this.shown.delete(toolCallId);
    const lines = clip(content.replace(/\n+$/, '').split('\n'));
    this.line(
      `${this.s.cyan('╰─')} ${this.s.dim(`${name} result${lines.length === 0 ? ': (empty)' : ':'}`)}`,
    );
    for (const line of lines) this.line(`   ${this.s.dim(line)}`);
  }

  private custom(name: string, value: unknown): void {
    switch (name) {
      case HANGAR_EVENT.userMessage: {
        const message = userMessageValue.safeParse(value);
        if (!message.success) return;
        if (this.options.userMessages === 'others' && message.data.authorId === this.options.me) return;
        return this.line(this.s.bold(this.s.blue(`› ${message.data.text}`)));
      }
      case HANGAR_EVENT.permissionRequest: {
        const request = permissionRequestValue.safeParse(value);
        if (!request.success) return;
        const what = request.data.summary ?? `Use ${request.data.toolName}`;
        this.line(`${this.s.yellow('⚠ permission:')} ${this.s.bold(what)}`);
        if (request.data.toolCallId && this.shown.has(request.data.toolCallId)) return;
        for (const line of clip(argumentLines(JSON.stringify(request.data.input ?? {}))))
          this.line(`  ${this.s.dim(line)}`);
        return;
      }
      case HANGAR_EVENT.permissionAnswer: {
        const answer = permissionAnswerValue.safeParse(value);
        if (!answer.success) return;
        const decision = answer.data.decision;
        const text =
          decision === 'deny'
            ? this.s.red(`✗ denied${answer.data.reason ? `: ${answer.data.reason}` : ''}`)
            : this.s.green(decision === 'allow_session' ? '✓ allowed for this session' : '✓ allowed');
        return this.line(text);
      }
      case HANGAR_EVENT.usage: {
        const usage = usageValue.safeParse(value);
        if (!usage.success) return;
        const u = usage.data;
        return this.line(
          this.s.dim(
            `· ${u.inputTokens} in, ${u.outputTokens} out${u.cacheReadTokens ? `, ${u.cacheReadTokens} cached` : ''} tokens, $${u.costUsd.toFixed(4)}`,
          ),
        );
      }
      case HANGAR_EVENT.fileChange: {
        const change = fileChangeValue.safeParse(value);
        if (change.success) this.line(this.s.dim(`± ${change.data.path} (${change.data.change})`));
        return;
      }
      case HANGAR_EVENT.status: {
        const status = statusValue.safeParse(value);
        if (!status.success) return;
        const { status: now, stalled, message } = status.data;
        if (now === 'error') return this.line(this.s.red(`session error${message ? `: ${message}` : ''}`));
        if (stalled) return this.line(this.s.yellow(`… stalled${message ? `: ${message}` : ''}`));
        if (this.options.statuses === 'all') this.line(this.s.grey(`[${now}]`));
        return;
      }
      default:
        return;
    }
  }
}

/** Tool arguments, one "key: value" line each (JSON), or the raw text. */
function argumentLines(args: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return args ? args.split('\n') : [];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return [JSON.stringify(parsed)];
  return Object.entries(parsed).flatMap(([key, value]) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    const [first = '', ...rest] = text.replace(/\s+$/, '').split('\n');
    return [`${key}: ${first}`, ...rest.map((line) => `  ${line}`)];
  });
}

function clip(lines: string[]): string[] {
  const cut = lines.map((line) => (line.length > LINE_CHARS ? `${line.slice(0, LINE_CHARS)}…` : line));
  if (cut.length <= CARD_LINES) return cut;
  return [...cut.slice(0, CARD_LINES), `… ${cut.length - CARD_LINES} more lines`];
}
