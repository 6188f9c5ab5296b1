import type { ServerSecrets } from '../../common/secrets.js';
import type { WorkspaceRepository, WorkspaceRow } from './repository.js';

const PURPOSE = 'workspace-token';
const FORMAT = /^hws_([A-Za-z0-9_-]+)\.(\d+)\.([A-Za-z0-9_-]{43})$/;

/**
 * Workspace tokens: what a sandbox holds instead of provider keys. Each start
 * of the sandbox issues a new generation and each stop revokes it. A token is
 * an HMAC of workspace id and generation under the server's secret, so the
 * server can give the same token to every process of a running sandbox, even
 * after its own restart, without storing it. Outside this server it is useless.
 */
export class WorkspaceTokens {
  constructor(
    private readonly secrets: ServerSecrets,
    private readonly repo: WorkspaceRepository,
  ) {}

  /** The token of the row's current generation (for the sandbox's environment). */
  tokenOf(row: Pick<WorkspaceRow, 'id' | 'token_generation'>): string {
    const message = `${row.id}.${row.token_generation}`;
    return `hws_${message}.${this.secrets.sign(PURPOSE, message)}`;
  }

  /** A new generation, valid from now until revoke(); returns the updated row. */
  async issue(row: WorkspaceRow): Promise<WorkspaceRow> {
    const next = { ...row, token_generation: Number(row.token_generation) + 1, token_active: 1 };
    await this.repo.update(row.id, { token_generation: next.token_generation, token_active: 1 });
    return next;
  }

  async revoke(workspaceId: string): Promise<void> {
    await this.repo.update(workspaceId, { token_active: 0 });
  }

  /** The running workspace a token belongs to, or undefined for any token that is not valid now. */
  async verify(token: string): Promise<WorkspaceRow | undefined> {
    const match = FORMAT.exec(token);
    if (!match) return undefined;
    const [, id, generation, signature] = match as unknown as [string, string, string, string];
    if (!this.secrets.verify(PURPOSE, `${id}.${generation}`, signature)) return undefined;
    const row = await this.repo.find(id);
    if (!row || row.state !== 'running' || Number(row.token_active) !== 1) return undefined;
    return Number(row.token_generation) === Number(generation) ? row : undefined;
  }
}
