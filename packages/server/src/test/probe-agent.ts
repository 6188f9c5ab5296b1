import { randomUUID } from 'node:crypto';
import { EventType } from '@hangar/protocol';
import { z } from 'zod';
import type { AgentAdapter, AgentCapabilities, AgentLaunch, AgentProcess } from '../agents/adapter.js';
import { readJsonLines } from '../agents/common/json-lines.js';
import { stopAgentProcess } from '../agents/common/stop.js';
import type { SpawnedChild } from '../sandbox/spawner.js';

/**
 * A tiny agent for the session service's own tests: a Node script in the sandbox, started
 * through a shell that waits for it (a wrapper, as the enter helper, nsenter or a CLI's
 * launcher are), speaking JSON lines. `{"t":"run","text":…}` starts a turn: it says
 * "turn: <text>" and finishes at once, or, for a text with `hold <name>`, once the file
 * /workspace/.release-<name> exists. When its input closes it says so, finishes the turn it
 * is in, and exits 0, as the agent CLIs do. Its adapter reports the end of its process as a
 * RUN_ERROR when a turn is open, as Claude Code's and Gemini's do.
 */
const SCRIPT = `import { createInterface } from 'node:readline';
import { existsSync } from 'node:fs';
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let running = false;
let closed = false;
out({ t: 'hello', pid: process.pid, wrapper: process.ppid });
const input = createInterface({ input: process.stdin });
input.on('line', (line) => {
  let m;
  try { m = JSON.parse(line); } catch { return; }
  if (m.t === 'run') void run(String(m.text));
});
input.on('close', () => {
  closed = true;
  out({ t: 'text', text: '[input closed]' });
  if (!running) process.exit(0);
});
async function run(text) {
  running = true;
  out({ t: 'text', text: 'turn: ' + text });
  const hold = /hold (\\w+)/.exec(text);
  if (hold) while (!existsSync('/workspace/.release-' + hold[1])) await new Promise((r) => setTimeout(r, 50));
  out({ t: 'finish' });
  running = false;
  if (closed) process.exit(0);
}
`;

const SCRIPT_PATH = '.probe-agent.mjs';

const probeLine = z.discriminatedUnion('t', [
  z.object({ t: z.literal('hello'), pid: z.number(), wrapper: z.number() }),
  z.object({ t: z.literal('text'), text: z.string() }),
  z.object({ t: z.literal('finish') }),
]);

/** The in-sandbox pids of a probe agent process and of the shell that waits for it. */
export interface ProbePids {
  pid: number;
  wrapper: number;
}

export class ProbeAdapter implements AgentAdapter {
  readonly name = 'probe';
  readonly label = 'Probe';
  readonly experimental = false;
  readonly capabilities: AgentCapabilities = {
    streaming: true,
    reasoning: false,
    approvals: false,
    interrupt: false,
    resume: true,
    modelSwitch: false,
    steering: false,
    perTurnDiff: false,
  };
  /** Every probe process started, per session, in order. */
  readonly started = new Map<string, ProbePids[]>();

  async unavailableReason(): Promise<string | undefined> {
    return undefined;
  }

  async start(launch: AgentLaunch): Promise<AgentProcess> {
    await launch.writeHomeFile(SCRIPT_PATH, SCRIPT);
    const home = launch.env.HOME ?? '/home/hangar';
    const child = await launch.spawn([
      '/bin/sh',
      '-c',
      // Not `exec`: the shell stays, as the agent's parent, until the agent ends.
      '/usr/bin/node "$0"; echo "probe wrapper: the agent ended" >&2',
      `${home}/${SCRIPT_PATH}`,
    ]);
    const process = new ProbeProcess(child, launch, (pids) => {
      this.started.set(launch.sessionId, [...(this.started.get(launch.sessionId) ?? []), pids]);
    });
    await process.ready;
    return process;
  }

  /** The latest probe process of a session. */
  latest(sessionId: string): ProbePids {
    const pids = this.started.get(sessionId)?.at(-1);
    if (!pids) throw new Error(`no probe process was started for ${sessionId}`);
    return pids;
  }
}

class ProbeProcess implements AgentProcess {
  readonly exited: Promise<{ code: number | null; signal: string | null }>;
  readonly ready: Promise<void>;
  private runId: string | undefined;
  private readonly threadId = randomUUID();

  constructor(
    private readonly child: SpawnedChild,
    private readonly launch: AgentLaunch,
    onHello: (pids: ProbePids) => void,
  ) {
    let hello: () => void;
    this.ready = new Promise((resolve) => (hello = resolve));
    child.stdin?.on('error', () => undefined);
    child.once('error', () => undefined);
    child.stderr?.resume(); // read, as every adapter reads it: the command's end comes once its output ended
    readJsonLines(child.stdout!, probeLine, (line) => {
      if (line.t === 'hello') {
        onHello({ pid: line.pid, wrapper: line.wrapper });
        hello();
      } else if (line.t === 'text') this.text(line.text);
      else this.finish();
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code: number | null, signal: string | null) => {
        if (this.runId) {
          this.runId = undefined;
          launch.emit({ type: EventType.RUN_ERROR, message: 'Probe ended', code: 'agent_exited' });
        }
        hello();
        resolve({ code, signal });
      });
    });
  }

  async send(text: string): Promise<void> {
    this.runId = randomUUID();
    this.launch.emit({ type: EventType.RUN_STARTED, threadId: this.threadId, runId: this.runId });
    this.child.stdin?.write(`${JSON.stringify({ t: 'run', text })}\n`);
  }

  async interrupt(): Promise<void> {}

  async answerPermission(): Promise<void> {}

  async stop(): Promise<void> {
    await stopAgentProcess(this.child, this.exited, 3000);
  }

  private text(text: string): void {
    if (!this.runId) return;
    const messageId = randomUUID();
    this.launch.emit({ type: EventType.TEXT_MESSAGE_START, messageId, role: 'assistant' });
    this.launch.emit({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta: text });
    this.launch.emit({ type: EventType.TEXT_MESSAGE_END, messageId });
  }

  private finish(): void {
    if (!this.runId) return;
    const runId = this.runId;
    this.runId = undefined;
    this.launch.emit({ type: EventType.RUN_FINISHED, threadId: this.threadId, runId });
  }
}
