import { workspace, workspaceList, type Workspace } from '@hangar/protocol';
import type { ApiClient } from './api.js';
import { CliError, EXIT } from './errors.js';

/** A workspace named by its name (as in `hangar ws ls`) or its id. */
export async function resolveWorkspace(client: ApiClient, ref: string): Promise<Workspace> {
  const { workspaces } = await client.get('/api/workspaces', workspaceList, { q: ref });
  const named = workspaces.filter((w) => w.name === ref);
  if (named.length === 1) return named[0]!;
  if (named.length > 1) {
    const ids = named.map((w) => `${w.id} (${w.members.find((m) => m.role === 'owner')?.username ?? '?'})`);
    throw new CliError(
      `several workspaces are named "${ref}": use the id, one of ${ids.join(', ')}`,
      EXIT.usage,
    );
  }
  if (/^[A-Za-z0-9_-]{1,64}$/.test(ref)) {
    try {
      return await client.get(`/api/workspaces/${ref}`, workspace);
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== EXIT.notFound) throw error;
    }
  }
  throw new CliError(`no workspace named "${ref}": see \`hangar ws ls\``, EXIT.notFound, 'not_found');
}
