import { isAbsolute, resolve } from 'node:path';
import {
  okResponse,
  userDirectory,
  workspace,
  workspaceList,
  workspaceState,
  type Workspace,
  type WorkspaceSource,
} from '@hangar/protocol';
import { Command, Option } from 'commander';
import type { ApiClient } from '../client/api.js';
import { CliError, EXIT } from '../client/errors.js';
import { resolveWorkspace } from '../client/resolve.js';
import { ask } from '../ui/prompt.js';
import { out } from '../ui/style.js';
import { ago, bytes, printJson, table } from '../ui/table.js';
import { apiClient, command, JSON_OPTION } from './common.js';

const GIT_URL = /^(https?:\/\/|ssh:\/\/|git:\/\/|file:\/\/|[\w.-]+@[\w.-]+:)/;
/** Longest `ws rm` waits for the files to be gone, in ms. */
const DELETE_WAIT_MS = 60_000;

export function workspaceCommand(): Command {
  const ws = command(
    'ws',
    'Manage workspaces: list, create, delete, start, stop, archive, restore, members',
    ['hangar ws ls', 'hangar ws new api --repo https://github.com/acme/api.git', 'hangar ws stop api'],
  ).alias('workspace');

  ws.addCommand(
    command('ls', 'List the workspaces you are a member of (admins: all)', [
      'hangar ws ls',
      'hangar ws ls --state running',
      "hangar ws ls --json | jq -r '.workspaces[].name'",
    ])
      .alias('list')
      .addOption(
        new Option('--state <state>', 'only workspaces in this state').choices(workspaceState.options),
      )
      .option('-q, --query <text>', 'only names containing this text')
      .option(...JSON_OPTION)
      .action(async (options: { state?: string; query?: string; json?: boolean }) => {
        const list = await apiClient().get('/api/workspaces', workspaceList, {
          state: options.state,
          q: options.query,
        });
        if (options.json) return printJson(list);
        if (list.workspaces.length === 0) {
          process.stderr.write('No workspaces. Create one with `hangar ws new NAME`.\n');
          return;
        }
        const rows = list.workspaces.map((w) => [
          out.bold(w.name),
          stateText(w),
          w.myRole ?? '-',
          sourceText(w),
          bytes(w.diskBytes),
          ago(w.lastActiveAt),
          w.id,
        ]);
        process.stdout.write(`${table(['NAME', 'STATE', 'ROLE', 'SOURCE', 'DISK', 'ACTIVE', 'ID'], rows)}\n`);
      }),
  );

  ws.addCommand(
    command('new', 'Create a workspace (empty, a clone of a git URL, or a worktree of a local repository)', [
      'hangar ws new scratch',
      'hangar ws new api --repo https://github.com/acme/api.git --branch main',
      'hangar ws new fix-42 --repo /srv/repos/api        # a worktree on branch hangar/fix-42',
      'hangar ws new tmp --template offline --json',
    ])
      .alias('create')
      .argument('<name>', 'lowercase letters, digits and "-"')
      .option('--repo <url|path>', 'a git URL to clone, or a local repository (under an allowed root)')
      .option('--branch <ref>', 'the branch to clone, or where the worktree branch starts')
      .option('--template <name>', 'a template from the server (default: the server default)')
      .option('--no-wait', 'return at once instead of waiting until it runs')
      .option(...JSON_OPTION)
      .action(
        async (
          name: string,
          options: { repo?: string; branch?: string; template?: string; wait: boolean; json?: boolean },
        ) => {
          const client = apiClient();
          const created = await client.json('POST', '/api/workspaces', workspace, {
            query: { wait: options.wait ? 'true' : undefined },
            body: {
              name,
              source: sourceOf(options.repo, options.branch),
              ...(options.template && { template: options.template }),
            },
          });
          if (options.json) printJson(created);
          else
            process.stderr.write(
              `Workspace ${out.bold(created.name)} is ${stateText(created)} (${created.id})\n`,
            );
          if (created.state === 'error') {
            throw new CliError(`workspace ${created.name} failed: ${created.error ?? 'unknown error'}`);
          }
        },
      ),
  );

  ws.addCommand(
    command('rm', 'Delete a workspace and its files (asks you to type its name, unless --yes)', [
      'hangar ws rm scratch',
      'hangar ws rm scratch --yes     # in scripts',
    ])
      .alias('delete')
      .argument('<workspace>', 'name or id')
      .option('-y, --yes', 'do not ask')
      .option('--no-wait', 'return at once instead of waiting until it is gone')
      .action(async (ref: string, options: { yes?: boolean; wait: boolean }) => {
        const client = apiClient();
        const target = await resolveWorkspace(client, ref);
        if (!options.yes) {
          if (!process.stdin.isTTY)
            throw new CliError('deleting needs confirmation: run in a terminal, or pass --yes', EXIT.usage);
          const typed = await ask(`Delete ${target.name} and all its files? Type its name to confirm: `);
          if (typed.trim() !== target.name)
            throw new CliError('not deleted: the name did not match', EXIT.usage);
        }
        await client.json('DELETE', `/api/workspaces/${target.id}`, okResponse, {
          body: { confirm: target.name },
        });
        if (options.wait) await waitUntilGone(client, target.id);
        process.stderr.write(`Deleted ${target.name}\n`);
      }),
  );

  const actions = {
    start: ['Start the sandbox of a stopped workspace', 'running'],
    stop: ['Stop every process in the workspace; files stay', 'stopped'],
    archive: ['Stop and release the sandbox; files stay', 'archived'],
    restore: ['Bring an archived workspace back', 'stopped'],
  } as const;
  for (const [action, [description]] of Object.entries(actions)) {
    ws.addCommand(
      command(action, description, [`hangar ws ${action} api`, `hangar ws ${action} api --json`])
        .argument('<workspace>', 'name or id')
        .option(...JSON_OPTION)
        .action(async (ref: string, options: { json?: boolean }) => {
          const client = apiClient();
          const target = await resolveWorkspace(client, ref);
          const after = await client.post(`/api/workspaces/${target.id}/${action}`, workspace);
          if (options.json) return printJson(after);
          process.stderr.write(`Workspace ${out.bold(after.name)} is ${stateText(after)}\n`);
        }),
    );
  }

  ws.addCommand(membersCommand());
  return ws;
}

function membersCommand(): Command {
  return command('members', "List a workspace's members, or add, change or remove one", [
    'hangar ws members api',
    'hangar ws members api add bob --role editor',
    'hangar ws members api add carol            # a viewer',
    'hangar ws members api rm bob',
  ])
    .argument('<workspace>', 'name or id')
    .argument('[action]', 'add or rm (omit to list)')
    .argument('[user]', 'username')
    .addOption(
      new Option('--role <role>', 'role for add').choices(['owner', 'editor', 'viewer']).default('viewer'),
    )
    .option(...JSON_OPTION)
    .action(
      async (
        ref: string,
        action: string | undefined,
        username: string | undefined,
        options: { role: string; json?: boolean },
      ) => {
        const client = apiClient();
        let target = await resolveWorkspace(client, ref);
        if (action !== undefined) {
          if (action !== 'add' && action !== 'rm')
            throw new CliError(`unknown action "${action}": use add or rm`, EXIT.usage);
          if (!username)
            throw new CliError(`name the user: hangar ws members ${ref} ${action} USER`, EXIT.usage);
          const userId = await userIdOf(client, username);
          const path = `/api/workspaces/${target.id}/members/${userId}`;
          target =
            action === 'add'
              ? await client.json('PUT', path, workspace, { body: { role: options.role } })
              : await client.json('DELETE', path, workspace);
        }
        if (options.json) return printJson({ members: target.members });
        const rows = target.members.map((m) => [out.bold(m.username), m.role, m.displayName]);
        process.stdout.write(`${table(['USER', 'ROLE', 'NAME'], rows)}\n`);
      },
    );
}

async function userIdOf(client: ApiClient, username: string): Promise<string> {
  const { users } = await client.get('/api/users/directory', userDirectory);
  const found = users.find((u) => u.username === username.toLowerCase());
  if (!found) throw new CliError(`no active user named "${username}"`, EXIT.notFound, 'not_found');
  return found.id;
}

function sourceOf(repo: string | undefined, branch: string | undefined): WorkspaceSource {
  if (repo === undefined) {
    if (branch) throw new CliError('--branch needs --repo', EXIT.usage);
    return { type: 'empty' };
  }
  if (GIT_URL.test(repo)) return { type: 'git', url: repo, ...(branch && { branch }) };
  const path = isAbsolute(repo) ? repo : resolve(repo);
  return { type: 'local', path, ...(branch && { baseRef: branch }) };
}

async function waitUntilGone(client: ApiClient, id: string): Promise<void> {
  const deadline = Date.now() + DELETE_WAIT_MS;
  while (Date.now() < deadline) {
    try {
      await client.get(`/api/workspaces/${id}`, workspace);
    } catch (error) {
      if (error instanceof CliError && error.exitCode === EXIT.notFound) return;
      throw error;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new CliError('the workspace is still being deleted; check `hangar ws ls` later');
}

export function stateText(w: Workspace): string {
  switch (w.state) {
    case 'running':
      return out.green(w.state);
    case 'error':
      return out.red(w.state);
    case 'creating':
    case 'deleting':
      return out.yellow(w.state);
    default:
      return out.grey(w.state);
  }
}

function sourceText(w: Workspace): string {
  if (w.source.type === 'git') return w.source.url;
  if (w.source.type === 'local') return `${w.source.path}${w.branch ? ` (${w.branch})` : ''}`;
  return '-';
}
