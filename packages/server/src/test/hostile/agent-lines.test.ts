import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentEvent, EventType, type AgentEvent } from '@hangar/protocol';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentLaunch, AgentProcess } from '../../agents/adapter.js';
import { ClaudeCodeProcess } from '../../agents/claude-code/process.js';
import { CodexProcess } from '../../agents/codex/codex-process.js';
import { GeminiProcess } from '../../agents/gemini/process.js';
import { PiProcess } from '../../agents/pi/pi-process.js';

const SEED = Number(process.env.HANGAR_FUZZ_SEED ?? Date.now() % 1_000_000);
const MiB = 1024 * 1024;
const GO = 'hangar-fuzz-go';

/**
 * A stand-in agent CLI, a real child process: it answers the adapter's
 * handshake requests (JSON-RPC, or Pi's responses) with a result that fits
 * every adapter, and when the person's message (GO) arrives, writes the
 * hostile lines in random-sized chunks (splitting lines and UTF-8
 * sequences) without answering it, then exits: the turn must end in a
 * RUN_ERROR, and nothing may throw out of the line handling.
 */
const FEEDER = `const fs = require('fs');
const [file, style] = process.argv.slice(1);
const garbage = fs.readFileSync(file);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\\n');
let buffer = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  buffer += d;
  for (let i; (i = buffer.indexOf('\\n')) >= 0; ) {
    const line = buffer.slice(0, i);
    buffer = buffer.slice(i + 1);
    if (line.includes('${GO}')) { feed(); continue; }
    let m; try { m = JSON.parse(line); } catch { continue; }
    if (m.id === undefined || m.id === null) continue;
    if (style === 'pi') out({ type: 'response', id: m.id, command: m.type, success: true, data: {} });
    else out({ jsonrpc: '2.0', id: m.id, result: { sessionId: 's1', thread: { id: 't1' }, turn: { id: 'u1' } } });
  }
});
async function feed() {
  for (let at = 0; at < garbage.length; ) {
    const n = 1 + Math.floor(Math.random() * 8192);
    process.stdout.write(garbage.subarray(at, at + n));
    at += n;
    await new Promise((r) => setImmediate(r));
  }
  process.stdout.write('\\n', () => process.exit(0));
}`;

type Style = 'claude' | 'pi' | 'jsonrpc';
interface Agent {
  name: string;
  style: Style;
  create(
    child: ReturnType<typeof spawn>,
    launch: AgentLaunch,
  ): AgentProcess & { init?(resumeId: null): Promise<void> };
  /** Lines shaped like this CLI's protocol, with random contents. */
  shaped: fc.Arbitrary<unknown>;
}

const anyObject = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 });
const withFields = (fixed: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(fixed, anyObject).map(([f, rest]) => ({ ...rest, ...f }));

const AGENTS: Agent[] = [
  {
    name: 'claude-code',
    style: 'claude',
    create: (child, launch) => new ClaudeCodeProcess(child, launch),
    shaped: withFields(
      fc.record({
        type: fc.constantFrom(
          'system',
          'assistant',
          'user',
          'stream_event',
          'result',
          'control_request',
          'control_response',
        ),
        subtype: fc.constantFrom('init', 'success', 'error_during_execution', 'can_use_tool', 'x'),
        message: fc.oneof(anyObject, fc.record({ id: fc.string(), content: fc.array(anyObject) })),
        event: fc.oneof(
          anyObject,
          fc.record({
            type: fc.constantFrom(
              'content_block_start',
              'content_block_delta',
              'content_block_stop',
              'message_start',
            ),
            index: fc.integer({ min: -2, max: 5 }),
            delta: anyObject,
            content_block: anyObject,
          }),
        ),
        request: anyObject,
        response: anyObject,
      }),
    ),
  },
  {
    name: 'codex',
    style: 'jsonrpc',
    create: (child, launch) => new CodexProcess(child, launch),
    shaped: withFields(
      fc.record({
        method: fc.constantFrom(
          'turn/started',
          'item/started',
          'item/completed',
          'item/agentMessage/delta',
          'item/reasoning/textDelta',
          'thread/tokenUsage/updated',
          'error',
          'turn/completed',
          'item/commandExecution/requestApproval',
        ),
        params: fc.oneof(
          anyObject,
          fc.record({ item: anyObject, itemId: fc.string(), delta: fc.string(), turn: anyObject }),
        ),
        id: fc.oneof(fc.integer(), fc.string(), fc.constant(null)),
      }),
    ),
  },
  {
    name: 'gemini',
    style: 'jsonrpc',
    create: (child, launch) => new GeminiProcess(child, launch),
    shaped: withFields(
      fc.record({
        method: fc.constantFrom('session/update', 'session/request_permission', 'fs/read_text_file'),
        params: fc.record({
          sessionId: fc.constantFrom('s1', 'other'),
          update: withFields(
            fc.record({
              sessionUpdate: fc.constantFrom(
                'agent_message_chunk',
                'agent_thought_chunk',
                'tool_call',
                'tool_call_update',
                'plan',
              ),
              content: fc.oneof(anyObject, fc.record({ type: fc.constant('text'), text: fc.string() })),
              toolCallId: fc.string(),
            }),
          ),
          toolCall: anyObject,
          options: fc.array(anyObject),
        }),
        id: fc.oneof(fc.integer(), fc.constant(undefined)),
      }),
    ),
  },
  {
    name: 'pi',
    style: 'pi',
    create: (child, launch) => new PiProcess(child, launch),
    shaped: withFields(
      fc.record({
        type: fc.constantFrom(
          'agent_start',
          'agent_end',
          'message_start',
          'message_update',
          'message_end',
          'tool_execution_start',
          'tool_execution_end',
          'extension_ui_request',
          'response',
        ),
        message: anyObject,
        assistantMessageEvent: anyObject,
        toolCallId: fc.string(),
        id: fc.string(),
        placeholder: fc.string(),
      }),
    ),
  },
];

/** Lines no agent CLI should ever print, the same for all: each a Buffer, newline added. */
function commonGarbage(): Buffer[] {
  const text = [
    '',
    '   ',
    'hello, not JSON',
    '{',
    '{"type":',
    '{"type":"result","subtype":"success","usage":{"input_tokens":',
    'null',
    '[]',
    '123',
    '"string"',
    '{"type":123}',
    '{"type":null,"method":null,"id":null}',
    '{"jsonrpc":"2.0","id":999999,"result":{}}',
    '{"jsonrpc":"2.0","id":"x","error":"not an object"}',
    '{"__proto__":{"polluted":"yes"},"type":"system"}',
    '{"constructor":{"prototype":{"polluted":"yes"}},"method":"error"}',
    '{"type":"assistant","text":"a\u2028b\u2029c"}',
    'tab\tand\r\ncarriage return\r',
    'nul\u0000byte',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
    JSON.stringify({ type: 'assistant', method: 'error', text: 'x'.repeat(2 * MiB) }),
    'y'.repeat(4 * MiB),
  ].map((line) => Buffer.from(line, 'utf8'));
  return [
    ...text,
    Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xe2, 0x82, 0x7b, 0x7d]),
    Buffer.from([0xf0, 0x9f, 0x92]),
  ];
}

describe('hostile agent CLI output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hangar-agent-lines-'));
  let tried = 0;
  afterAll(() => {
    console.log(`fuzz cases tried: ${tried} (agent CLI output lines, seed ${SEED})`);
    rmSync(dir, { recursive: true, force: true });
  });

  for (const agent of AGENTS) {
    it(`${agent.name}: garbage, truncated and huge lines end the turn in a RUN_ERROR; nothing throws`, async () => {
      const random = fc.sample(fc.jsonValue({ maxDepth: 4 }), { numRuns: 150, seed: SEED });
      const shaped = fc.sample(agent.shaped, { numRuns: 300, seed: SEED });
      const lines = [
        ...commonGarbage(),
        ...[...random, ...shaped].map((value) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8')),
      ];
      const file = join(dir, `${agent.name}.lines`);
      writeFileSync(file, Buffer.concat(lines.flatMap((line) => [line, Buffer.from('\n')])));
      const events: AgentEvent[] = [];
      const child = spawn(process.execPath, ['-e', FEEDER, file, agent.style], { stdio: 'pipe' });
      const launch: AgentLaunch = {
        sessionId: 'fuzz-session',
        workspaceId: 'fuzz-workspace',
        model: 'fuzz-model',
        models: ['fuzz-model'],
        permissionMode: 'ask',
        resumeId: null,
        env: {},
        spawn: () => Promise.reject(new Error('not used')),
        writeHomeFile: () => Promise.resolve(),
        emit: (event) => events.push(event),
        setResumeId: () => undefined,
      };
      const agentProcess = agent.create(child, launch);
      try {
        if (agentProcess.init) await withTimeout(agentProcess.init(null), 10_000, 'the handshake');
        const sending = agentProcess.send(`say ${GO}`).then(
          () => 'sent',
          () => 'refused',
        );
        await withTimeout(agentProcess.exited, 30_000, 'the process to end');
        // Whatever send() was waiting for, the process's end settles it.
        await withTimeout(sending, 5_000, 'send() to settle after the process ended');
      } finally {
        child.kill('SIGKILL');
      }
      tried += lines.length;
      const invalid = events.filter((event) => !agentEvent.safeParse(event).success);
      expect(invalid.slice(0, 3)).toEqual([]);
      const runEvents = events.filter((e) =>
        [EventType.RUN_STARTED, EventType.RUN_FINISHED, EventType.RUN_ERROR].includes(e.type),
      );
      expect(runEvents[0]?.type).toBe(EventType.RUN_STARTED);
      // A garbage line may have finished the run early (a shaped `result`); the process's end errs a run still open.
      const last = runEvents.at(-1)?.type;
      expect([EventType.RUN_ERROR, EventType.RUN_FINISHED]).toContain(last);
      if (!runEvents.some((e) => e.type === EventType.RUN_FINISHED)) expect(last).toBe(EventType.RUN_ERROR);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    }, 60_000);
  }
});

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
