import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Terminal } from '@hangar/protocol';
import type { Config } from '../config/index.js';
import { errors } from '../errors.js';
import type { Principal } from '../services/auth.js';
import { iso, type Clock } from '../common/clock.js';
import { newId } from '../common/crypto.js';
import { KeyedLock } from '../common/keyed-lock.js';
import type { WorkspaceRow } from '../services/workspaces/repository.js';
import type { WorkspaceService } from '../services/workspaces/workspace-service.js';
import type { Database, TerminalsTable } from '../store/schema.js';
import type { TerminalSession } from './session.js';
import * as tmux from './tmux.js';

export type TerminalRow = Selectable<TerminalsTable>;

const commandColumn = z.array(z.string());

/** Terminals of workspaces: rows in the store, tmux sessions in the sandbox, attached sessions here. */
export class TerminalService {
  private readonly sessions = new Map<string, TerminalSession>();
  private readonly lock = new KeyedLock();
  private readonly idleTimer: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly workspaces: WorkspaceService,
    private readonly config: Pick<Config, 'terminalsPerWorkspace' | 'terminalIdleMinutes'>,
    private readonly clock: Clock,
  ) {
    workspaces.lifecycle.onStopped((id) => void this.workspaceStopped(id));
    this.idleTimer = setInterval(() => this.detachIdle(), 30_000);
    this.idleTimer.unref();
  }

  async list(principal: Principal, workspaceId: string): Promise<TerminalRow[]> {
    await this.workspaces.get(principal, workspaceId);
    return this.db
      .selectFrom('terminals')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at')
      .execute();
  }

  async create(
    principal: Principal,
    workspaceId: string,
    input: { name?: string | undefined; command?: string[] | undefined; cols: number; rows: number },
  ): Promise<TerminalRow> {
    const { row: workspace } = await this.runningWorkspace(principal, workspaceId);
    return this.lock.run(`create:${workspaceId}`, async () => {
      const open = await this.db
        .selectFrom('terminals')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .where('state', '=', 'running')
        .executeTakeFirstOrThrow();
      if (Number(open.n) >= this.config.terminalsPerWorkspace)
        throw errors.terminalLimit(this.config.terminalsPerWorkspace);
      const count = await this.db
        .selectFrom('terminals')
        .select('id')
        .where('workspace_id', '=', workspaceId)
        .execute();
      const row: TerminalRow = {
        id: newId(),
        workspace_id: workspaceId,
        name: input.name ?? (input.command ? input.command[0]! : `Terminal ${count.length + 1}`),
        command: input.command ? JSON.stringify(input.command) : null,
        state: 'running',
        exit_code: null,
        cols: input.cols,
        rows: input.rows,
        created_by: principal.user.id,
        created_at: iso(this.clock.now()),
      };
      const result = await this.inSandbox(
        workspace,
        tmux.newSession(row.id, input.command ?? null, row.cols, row.rows),
      );
      if (result.exitCode !== 0)
        throw new Error(`tmux could not start the terminal: ${result.stderr.trim()}`);
      await this.db.insertInto('terminals').values(row).execute();
      await this.workspaces.touch(workspaceId);
      return row;
    });
  }

  async rename(
    principal: Principal,
    workspaceId: string,
    terminalId: string,
    name: string,
  ): Promise<TerminalRow> {
    await this.workspaces.get(principal, workspaceId, 'operate');
    await this.find(workspaceId, terminalId);
    await this.db.updateTable('terminals').set({ name }).where('id', '=', terminalId).execute();
    return this.find(workspaceId, terminalId);
  }

  /** Ends the terminal and whatever runs in it. */
  async close(principal: Principal, workspaceId: string, terminalId: string): Promise<void> {
    const { row: workspace } = await this.workspaces.get(principal, workspaceId, 'operate');
    const terminal = await this.find(workspaceId, terminalId);
    this.sessions.get(terminalId)?.close(1000, 'terminal closed');
    this.sessions.delete(terminalId);
    if (terminal.state === 'running' && workspace.state === 'running') {
      await this.inSandbox(workspace, tmux.killSession(terminalId)).catch(() => undefined);
    }
    await this.db.deleteFrom('terminals').where('id', '=', terminalId).execute();
  }

  /** The attached session of a terminal, attaching (or reattaching after a restart) when needed. */
  async session(principal: Principal, workspaceId: string, terminalId: string) {
    const view = await this.workspaces.get(principal, workspaceId);
    const canType = principal.user.role === 'admin' || view.myRole === 'owner' || view.myRole === 'editor';
    const terminal = await this.find(workspaceId, terminalId);
    if (terminal.state !== 'running' || view.row.state !== 'running') throw errors.terminalExited();
    const session = await this.lock.run(`attach:${terminalId}`, async () => {
      const existing = this.sessions.get(terminalId);
      if (existing?.attached) return existing;
      const alive = await this.inSandbox(view.row, tmux.hasSession(terminalId));
      if (alive.exitCode !== 0) {
        await this.markExited(view.row, terminalId);
        throw errors.terminalExited();
      }
      const created = await this.newSession(view.row, terminal);
      await created.attach();
      this.sessions.set(terminalId, created);
      return created;
    });
    await this.workspaces.touch(workspaceId);
    return { session, canType, terminal: await this.find(workspaceId, terminalId) };
  }

  /** May this principal still type in this workspace? Checked on every input frame. */
  async canType(principal: Principal, workspaceId: string): Promise<boolean> {
    const role = await this.workspaces.repo.roleOf(workspaceId, principal.user.id);
    return principal.user.role === 'admin' || role === 'owner' || role === 'editor';
  }

  /** Detaches every session; the terminals keep running in tmux for the next server. */
  shutdown(): void {
    clearInterval(this.idleTimer);
    for (const session of this.sessions.values()) session.close(1012, 'server restarting');
    this.sessions.clear();
  }

  private async newSession(workspace: WorkspaceRow, terminal: TerminalRow): Promise<TerminalSession> {
    // Loaded with the first terminal, not at server start: the mirror's xterm is ~100 ms to load.
    const { TerminalSession } = await import('./session.js');
    const session: TerminalSession = new TerminalSession({
      cols: terminal.cols,
      rows: terminal.rows,
      openPty: async (cols, rows) => {
        const sandbox = await this.workspaces.lifecycle.sandbox(workspace);
        return sandbox.terminal({ command: tmux.attachSession(terminal.id), pty: { cols, rows } }, null);
      },
      onEnded: () => {
        if (this.sessions.get(terminal.id) === session) this.sessions.delete(terminal.id);
        void this.settleEnded(workspace, terminal.id, session);
      },
      describe: () => present(terminal),
    });
    return session;
  }

  /** The attach client ended: the command exited, or tmux went away with the sandbox. */
  private async settleEnded(
    workspace: WorkspaceRow,
    terminalId: string,
    session: TerminalSession,
  ): Promise<void> {
    const current = await this.workspaces.repo.find(workspace.id);
    const alive =
      current?.state === 'running'
        ? await this.inSandbox(current, tmux.hasSession(terminalId)).catch(() => undefined)
        : undefined;
    if (alive?.exitCode === 0) {
      session.close(1011, 'terminal detached; reconnect');
      return;
    }
    const exitCode = current?.state === 'running' ? await this.markExited(current, terminalId) : null;
    session.ended(exitCode);
  }

  private async markExited(workspace: WorkspaceRow, terminalId: string): Promise<number | null> {
    const read = await this.inSandbox(workspace, tmux.readExitCode(terminalId)).catch(() => undefined);
    const parsed = Number.parseInt(read?.stdout.trim() ?? '', 10);
    const exitCode = Number.isNaN(parsed) ? null : parsed;
    await this.db
      .updateTable('terminals')
      .set({ state: 'exited', exit_code: exitCode })
      .where('id', '=', terminalId)
      .execute();
    return exitCode;
  }

  private async workspaceStopped(workspaceId: string): Promise<void> {
    const rows = await this.db
      .selectFrom('terminals')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .execute();
    for (const { id } of rows) {
      this.sessions.get(id)?.ended(null);
      this.sessions.delete(id);
    }
    await this.db
      .updateTable('terminals')
      .set({ state: 'exited' })
      .where('workspace_id', '=', workspaceId)
      .where('state', '=', 'running')
      .execute();
  }

  private detachIdle(): void {
    const cutoff = Date.now() - this.config.terminalIdleMinutes * 60_000;
    for (const [id, session] of this.sessions) {
      const idle = session.idleSince;
      if (idle !== undefined && idle < cutoff) {
        session.close(1000, 'idle');
        this.sessions.delete(id);
      }
    }
  }

  private async runningWorkspace(principal: Principal, workspaceId: string) {
    const view = await this.workspaces.get(principal, workspaceId, 'operate');
    if (view.row.state !== 'running')
      throw errors.invalidState(view.row.name, view.row.state, 'open terminals');
    return view;
  }

  private async find(workspaceId: string, terminalId: string): Promise<TerminalRow> {
    const row = await this.db
      .selectFrom('terminals')
      .selectAll()
      .where('id', '=', terminalId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    if (!row) throw errors.notFound('The terminal');
    return row;
  }

  private async inSandbox(workspace: WorkspaceRow, command: string[]) {
    const sandbox = await this.workspaces.lifecycle.sandbox(workspace);
    return sandbox.exec({
      command,
      timeoutMs: 15_000,
    });
  }
}

export function present(row: TerminalRow): Terminal {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    command: row.command ? commandColumn.parse(JSON.parse(row.command)) : null,
    state: row.state,
    exitCode: row.exit_code,
    cols: row.cols,
    rows: row.rows,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
