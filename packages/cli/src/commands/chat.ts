import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import {
  agentList,
  me as meSchema,
  permissionMode,
  session as sessionSchema,
  sessionList,
  sessionWithEvents,
  type Session,
} from '@hangar/protocol';
import { Option, type Command } from 'commander';
import { EventRenderer } from '../chat/render.js';
import { ChatTurns, type Asker, type TurnOutcome } from '../chat/turn.js';
import type { ApiClient } from '../client/api.js';
import { CliError, EXIT } from '../client/errors.js';
import { resolveWorkspace } from '../client/resolve.js';
import { LineReader } from '../ui/prompt.js';
import { out, err } from '../ui/style.js';
import { apiClient, command } from './common.js';
import { pendingPermissionFrom } from './sessions.js';

interface ChatOptions {
  agent?: string;
  model?: string;
  session?: string;
  new?: boolean;
  mode: string;
}

/** Sessions a chat may continue: the agent process is there. */
const LIVE = new Set(['starting', 'working', 'awaiting_approval', 'idle']);
const HISTORY_LINES = 500;

export function chatCommand(): Command {
  return command(
    'chat',
    'Chat with an agent in a workspace: one message, or an interactive prompt without MESSAGE',
    [
      'hangar chat api "add a health check endpoint"          # continues the latest live session',
      'hangar chat api --agent claude-code --model claude-sonnet-4-5',
      'hangar chat api --new --agent pi "write the tests"',
      'echo y | hangar chat api "run the linter"                # answers the permission prompt',
      'hangar chat api --mode allow_all "format every file"      # no permission prompts',
      '',
      'Permission requests are asked as: Allow? [y]es / [n]o / [a]lways for this session.',
      'Ctrl-C interrupts the running turn; Ctrl-C again (or Ctrl-D at the prompt) quits.',
    ],
  )
    .argument('<workspace>', 'name or id')
    .argument('[message]', 'send this and stream the reply (omit for an interactive prompt)')
    .option(
      '--agent <name>',
      'the agent for a new session (see `hangar doctor`; default: the first available)',
    )
    .option('--model <id>', "the model for a new session (default: the agent's default)")
    .option('--session <id>', 'continue this session')
    .option('--new', 'start a new session even if a live one exists')
    .addOption(
      new Option('--mode <mode>', 'permission mode of a new session')
        .choices(permissionMode.options)
        .default('ask'),
    )
    .action((ref: string, message: string | undefined, options: ChatOptions) =>
      runChat(ref, message, options),
    );
}

async function runChat(ref: string, message: string | undefined, options: ChatOptions): Promise<void> {
  const client = apiClient();
  const workspace = await resolveWorkspace(client, ref);
  const me = (await client.get('/api/me', meSchema)).user.id;
  const { agents } = await client.get('/api/agents', agentList);

  let found = await existingSession(client, workspace.id, options);
  const interactive = message === undefined;
  let after = 0;
  let created = false;
  if (!found) {
    const agent = options.agent ?? agents.find((a) => !a.unavailable)?.name;
    if (!agent)
      throw new CliError('no agent is available on this server: see `hangar doctor`', EXIT.conflict);
    found = await client.json('POST', '/api/sessions', sessionSchema, {
      body: {
        workspaceId: workspace.id,
        agent,
        ...(options.model && { model: options.model }),
        ...(message !== undefined && { prompt: message }),
        permissionMode: options.mode,
      },
    });
    created = message !== undefined; // the message went with the session: not sent again
    process.stderr.write(err.dim(`New ${found.agent} session ${found.id} (model ${found.model})\n`));
  } else {
    const { events } = await client.get(`/api/sessions/${found.id}`, sessionWithEvents);
    after = events.at(-1)?.id ?? 0;
    // A question still open from before: show it again, to be answered here.
    const pending = pendingPermissionFrom(events);
    if (pending !== undefined) after = pending - 1;
    process.stderr.write(err.dim(`Session ${found.id} (${found.agent}, ${found.model}, ${found.status})\n`));
  }
  const steering = agents.find((a) => a.name === found.agent)?.capabilities.steering ?? false;

  const write = (text: string) => void process.stdout.write(text);
  const renderer = new EventRenderer(write, out, { userMessages: 'others', statuses: 'problems', me });
  const tty = interactive && process.stdin.isTTY === true;
  const rl = tty ? terminalPrompt() : undefined;
  const lines = rl ? undefined : new LineReader();
  const asker: Asker = rl ? terminalAsker(rl) : stdinAsker(lines!);
  const turns = new ChatTurns(client, found.id, me, renderer, asker, out, write, { after, steering });

  let quitting = false;
  const onInterrupt = () => {
    if (quitting || !turns.running) {
      rl?.close();
      process.stderr.write('\n');
      process.exit(EXIT.interrupted);
    }
    quitting = true;
    void turns.interrupt();
  };
  if (rl) rl.on('SIGINT', onInterrupt);
  else process.on('SIGINT', onInterrupt);

  // Only the first message can meet a turn already running (another client's); later ones follow ours.
  let wasBusy = ['starting', 'working', 'awaiting_approval'].includes(found.status) && !created;
  const turn = async (text: string, send: boolean): Promise<TurnOutcome> => {
    quitting = false;
    const outcome = await turns.run(text, { send, wasBusy });
    wasBusy = false;
    return outcome;
  };

  try {
    if (!interactive) {
      const outcome = await turn(message, !created);
      if (outcome === 'error') process.exitCode = EXIT.failure;
      if (outcome === 'interrupted') process.exitCode = EXIT.interrupted;
      return;
    }
    for (;;) {
      const text = rl ? await promptLine(rl) : await lines!.next();
      if (text === undefined) break;
      const trimmed = text.trim();
      if (!trimmed) continue;
      if (trimmed === '/exit' || trimmed === '/quit') break;
      if (rl) saveHistory(trimmed);
      await turn(trimmed, true);
    }
  } finally {
    rl?.close();
    lines?.close();
    process.off('SIGINT', onInterrupt);
  }
}

/** The session to continue: --session, or the latest live one (of --agent, if given) unless --new. */
async function existingSession(
  client: ApiClient,
  workspaceId: string,
  options: ChatOptions,
): Promise<Session | undefined> {
  if (options.session) {
    const { session } = await client.get(
      `/api/sessions/${encodeURIComponent(options.session)}`,
      sessionWithEvents,
    );
    if (session.workspaceId !== workspaceId)
      throw new CliError(`session ${session.id} belongs to another workspace`, EXIT.usage);
    if (!LIVE.has(session.status))
      throw new CliError(
        `session ${session.id} is ${session.status}: start a new one with --new`,
        EXIT.conflict,
      );
    return session;
  }
  if (options.new) return undefined;
  const { sessions } = await client.get('/api/sessions', sessionList, { workspace: workspaceId });
  return sessions.find(
    (s) =>
      LIVE.has(s.status) &&
      (options.agent === undefined || s.agent === options.agent) &&
      (options.model === undefined || s.model === options.model),
  );
}

function terminalPrompt(): Interface {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: true,
    history: loadHistory(),
    historySize: HISTORY_LINES,
    removeHistoryDuplicates: true,
    prompt: out.bold(out.blue('you› ')),
  });
  process.stderr.write(err.dim('Type a message; Ctrl-C interrupts a turn; Ctrl-D or /exit quits.\n'));
  return rl;
}

function promptLine(rl: Interface): Promise<string | undefined> {
  return new Promise((resolve) => {
    const onClose = () => resolve(undefined);
    rl.once('close', onClose);
    rl.question(out.bold(out.blue('you› ')), (line) => {
      rl.off('close', onClose);
      resolve(line);
    });
  });
}

function terminalAsker(rl: Interface): Asker {
  return {
    ask: (question, signal) =>
      new Promise((resolve) => {
        const onClose = () => resolve(undefined);
        rl.once('close', onClose);
        rl.question(question, { signal }, (line) => {
          rl.off('close', onClose);
          resolve(line);
        });
        signal.addEventListener('abort', () => {
          rl.off('close', onClose);
          resolve(undefined);
        });
      }),
  };
}

function stdinAsker(lines: LineReader): Asker {
  return {
    ask: (question, signal) => {
      process.stderr.write(question);
      return lines.next(signal).then((line) => {
        if (line !== undefined) process.stderr.write(`${line}\n`);
        return line;
      });
    },
  };
}

/** $XDG_STATE_HOME/hangar/chat_history, one message a line, readable by you only. */
function historyPath(): string {
  const state = process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(state, 'hangar', 'chat_history');
}

function loadHistory(): string[] {
  try {
    return readFileSync(historyPath(), 'utf8').split('\n').filter(Boolean).slice(-HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

function saveHistory(line: string): void {
  if (line.includes('\n')) return;
  try {
    mkdirSync(dirname(historyPath()), { recursive: true, mode: 0o700 });
    appendFileSync(historyPath(), `${line}\n`, { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home does not stop the chat.
  }
}
