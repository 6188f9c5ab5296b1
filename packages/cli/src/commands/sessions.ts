import {
  EventType,
  HANGAR_EVENT,
  permissionAnswerValue,
  permissionRequestValue,
  sessionList,
  sessionWithEvents,
  type Session,
  type StoredEvent,
} from '@hangar/protocol';
import type { Command } from 'commander';
import { EventRenderer } from '../chat/render.js';
import { EXIT } from '../client/errors.js';
import { resolveWorkspace } from '../client/resolve.js';
import { followSession } from '../client/sse.js';
import { err, out } from '../ui/style.js';
import { ago, printJson, table } from '../ui/table.js';
import { apiClient, command, JSON_OPTION } from './common.js';

export function sessionCommands(): Command[] {
  const sessions = command('sessions', "List a workspace's agent sessions, newest first", [
    'hangar sessions api',
    'hangar sessions api --json | jq -r \'.sessions[] | select(.status=="awaiting_approval") | .id\'',
  ])
    .argument('<workspace>', 'name or id')
    .option(...JSON_OPTION)
    .action(async (ref: string, options: { json?: boolean }) => {
      const client = apiClient();
      const workspace = await resolveWorkspace(client, ref);
      const list = await client.get('/api/sessions', sessionList, { workspace: workspace.id });
      if (options.json) return printJson(list);
      if (list.sessions.length === 0) {
        process.stderr.write(
          `No sessions in ${workspace.name}. Start one with \`hangar chat ${workspace.name}\`.\n`,
        );
        return;
      }
      const rows = list.sessions.map((s) => [
        s.id,
        s.agent,
        s.model,
        statusText(s),
        ago(s.lastEventAt),
        s.title.replace(/\s+/g, ' ').slice(0, 50),
      ]);
      process.stdout.write(`${table(['ID', 'AGENT', 'MODEL', 'STATUS', 'LAST EVENT', 'TITLE'], rows)}\n`);
    });

  const logs = command('logs', "Print a session's events: the conversation, tool calls, usage", [
    'hangar logs 7Qk2x9',
    'hangar logs 7Qk2x9 -f                 # keep following, like tail -f (Ctrl-C stops)',
    'hangar logs 7Qk2x9 --json | jq -c .event.type   # one JSON event a line',
  ])
    .argument('<session>', 'session id (see `hangar sessions WORKSPACE`)')
    .option('-f, --follow', 'keep printing new events as they happen')
    .option('--after <id>', 'only events after this event id', '0')
    .option('--json', 'print the raw events, one JSON object a line')
    .action(async (id: string, options: { follow?: boolean; after: string; json?: boolean }) => {
      const client = apiClient();
      const after = Number.parseInt(options.after, 10) || 0;
      const renderer = new EventRenderer((text) => void process.stdout.write(text), out, {
        userMessages: 'all',
        statuses: 'all',
      });
      const print = (stored: StoredEvent) => {
        if (options.json) process.stdout.write(`${JSON.stringify(stored)}\n`);
        else renderer.render(stored);
      };
      if (!options.follow) {
        const { events } = await client.get(`/api/sessions/${encodeURIComponent(id)}`, sessionWithEvents);
        for (const stored of events) if (stored.id > after) print(stored);
        renderer.endLine();
        return;
      }
      const controller = new AbortController();
      const stop = () => {
        controller.abort();
        renderer.endLine();
        process.exitCode = EXIT.interrupted;
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const events = followSession(client, id, {
        after,
        signal: controller.signal,
        onReconnect: (error) => process.stderr.write(err.dim(`(${error.message}; resuming)\n`)),
      });
      for await (const stored of events) print(stored);
    });

  return [sessions, logs];
}

function statusText(s: Session): string {
  const text = s.stalled ? `${s.status} (stalled)` : s.status;
  if (s.status === 'error') return out.red(text);
  if (s.status === 'awaiting_approval' || s.stalled) return out.yellow(text);
  if (s.status === 'working' || s.status === 'starting') return out.green(text);
  return out.grey(text);
}

/** The event id of the oldest permission request of the current run that nobody has answered. */
export function pendingPermissionFrom(events: StoredEvent[]): number | undefined {
  const open = new Map<string, number>();
  for (const { id, event } of events) {
    if (event.type === EventType.RUN_FINISHED || event.type === EventType.RUN_ERROR) open.clear();
    if (event.type !== EventType.CUSTOM) continue;
    if (event.name === HANGAR_EVENT.permissionRequest) {
      const request = permissionRequestValue.safeParse(event.value);
      if (request.success) open.set(request.data.requestId, id);
    } else if (event.name === HANGAR_EVENT.permissionAnswer) {
      const answer = permissionAnswerValue.safeParse(event.value);
      if (answer.success) open.delete(answer.data.requestId);
    }
  }
  return open.size > 0 ? Math.min(...open.values()) : undefined;
}
