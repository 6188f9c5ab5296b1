import { startScriptedProvider, type ScenarioInput, type ScriptedProvider } from '@hangar/llm-scripted';
import { WORKSPACE_TOKEN_HEADER } from '@hangar/protocol';
import { expect } from 'vitest';
import type { Stored } from '../agent-testbed.js';
import {
  ADMIN,
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../server.js';
import { createWorkspace } from '../workspaces.js';

/** Who calls: nobody, code in the sandbox (its workspace token), a stranger, the three workspace roles, an admin. */
export const ROLES = ['anonymous', 'token', 'other', 'viewer', 'editor', 'owner', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export type UserRole = Exclude<Role, 'anonymous' | 'token'>;

export const MODEL = 'scripted-1';
export const MEMBER_PASSWORD = 'member password 1';
const scenario: ScenarioInput = {
  model: MODEL,
  turns: [{ name: 'greeting', match: { lastUserText: '/say hello/i' }, reply: { text: 'Hello there.' } }],
  fallback: { reply: { text: 'The script has no answer for that.' } },
};

/**
 * The matrix's server and fixtures: users in each role, workspace "authz" (a bubblewrap sandbox,
 * owned by `owner`, with `editor` and `viewer` members; `other` is no member) with a terminal, a Pi
 * session with one finished turn, a file, a chat message and a webhook; a group and an invitation.
 */
export class AuthzBed {
  readonly clients = {} as Record<UserRole, TestClient>;
  readonly ids = {} as Record<UserRole | 'spare', string>;
  workspaceId = '';
  workspaceToken = '';
  terminalId = '';
  sessionId = '';
  turnId = '';
  messageId = 0;
  groupId = '';
  webhookId = '';
  private counter = 0;

  private constructor(
    readonly server: TestServer,
    readonly provider: ScriptedProvider,
  ) {}

  static async start(): Promise<AuthzBed> {
    const provider = await startScriptedProvider({ scenario });
    const server = await startTestServer({
      env: {
        HANGAR_PROVIDERS: JSON.stringify({
          anthropic: { kind: 'anthropic', baseUrl: provider.url, keyless: true },
          openai: { kind: 'openai', baseUrl: provider.url, keyless: true },
        }),
        HANGAR_DEFAULT_TEMPLATE: 'default',
        // Throwaway workspaces for the routes that consume one (delete, stop, archive): no sandbox.
        HANGAR_TEMPLATES: JSON.stringify({ plain: { driver: 'host', network: 'full' } }),
        HANGAR_HOST_DRIVER_MULTI_USER: 'true',
        HANGAR_SANDBOX_UID_BASE: String(1_900_000 + Math.floor(Math.random() * 900) * 100),
        HANGAR_SANDBOX_UID_COUNT: '100',
        // The matrix makes dozens of workspaces in seconds: no per-user cap or pace here.
        HANGAR_WORKSPACES_PER_USER: '0',
        HANGAR_WORKSPACE_CREATIONS_PER_MINUTE: '0',
      },
    });
    const bed = new AuthzBed(server, provider);
    try {
      await bed.createFixtures();
    } catch (error) {
      await bed.close();
      throw error;
    }
    return bed;
  }

  /** A unique suffix for names. */
  next(): string {
    return `${++this.counter}${Math.random().toString(36).slice(2, 6)}`;
  }

  /** The headers a role's request carries (besides content-type and origin). */
  headersOf(role: Role): Record<string, string> {
    if (role === 'anonymous') return {};
    // As code in the sandbox sends it: the chat bot's header, and a provider SDK's key header.
    if (role === 'token')
      return { [WORKSPACE_TOKEN_HEADER]: this.workspaceToken, 'x-api-key': this.workspaceToken };
    return { cookie: this.clients[role].cookie! };
  }

  /** A second browser session of the role (for logout, which ends the session it rides on). */
  async freshCookie(role: UserRole): Promise<string> {
    const client = this.server.client();
    const username = role === 'admin' ? ADMIN.username : role;
    const password = role === 'admin' ? ADMIN.password : MEMBER_PASSWORD;
    expect((await client.post('/api/auth/login', { username, password })).status).toBe(200);
    return client.cookie!;
  }

  get owner(): TestClient {
    return this.clients.owner;
  }
  get admin(): TestClient {
    return this.clients.admin;
  }

  /** A host-driver workspace of `owner` with the editor and viewer in it. */
  async newWorkspace(): Promise<string> {
    const name = `spare-${this.next()}`;
    const ws = await createWorkspace(this.owner, { name, template: 'plain' });
    expect(ws.body.state, JSON.stringify(ws.body)).toBe('running');
    const id = ws.body.id as string;
    await this.addMembers(id);
    return id;
  }

  async newTerminal(): Promise<string> {
    const res = await this.owner.post(`/api/workspaces/${this.workspaceId}/terminals`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async newFile(path = `f-${this.next()}.txt`): Promise<string> {
    const res = await this.owner.request(
      'PUT',
      `/api/workspaces/${this.workspaceId}/files/content?path=${path}`,
      { content: 'x\n' },
      { headers: { 'if-none-match': '*' } },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return path;
  }

  async newMessage(): Promise<number> {
    const res = await this.owner.post(`/api/workspaces/${this.workspaceId}/chat/messages`, { text: 'hi' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as number;
  }

  async newWebhook(): Promise<string> {
    const res = await this.owner.post('/api/webhooks', {
      url: 'https://example.com/hook',
      events: ['session.awaiting_approval'],
      workspaceId: this.workspaceId,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async newUser(): Promise<string> {
    const res = await this.admin.post('/api/users', {
      username: `u${this.next()}`,
      password: MEMBER_PASSWORD,
      role: 'member',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async newGroup(): Promise<string> {
    const res = await this.admin.post('/api/groups', { name: `g${this.next()}` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  async newInvitation(): Promise<{ id: string; token: string }> {
    const res = await this.admin.post('/api/invitations', { role: 'member' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.invitation.id as string, token: res.body.token as string };
  }

  /** A token or git credential of the role itself (each user can revoke only their own). */
  async ownToken(role: Role): Promise<string> {
    const res = await this.clients[role === 'anonymous' || role === 'token' ? 'owner' : role].post(
      '/api/tokens',
      { name: `t${this.next()}` },
    );
    expect(res.status).toBe(201);
    return res.body.token.id as string;
  }

  /** A new API token of the user (its secret), made in their browser session. */
  async apiToken(role: UserRole): Promise<string> {
    const res = await this.clients[role].post('/api/tokens', { name: `api${this.next()}` });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.secret as string;
  }

  async ownCredential(role: Role): Promise<string> {
    const res = await this.clients[role === 'anonymous' || role === 'token' ? 'owner' : role].post(
      '/api/me/git-credentials',
      { host: `h${this.next()}.example.com`, username: 'x', token: 'secret-token' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  /** Puts `spare` in the workspace as a viewer (for the member routes). */
  async spareMember(): Promise<void> {
    const res = await this.owner.request(
      'PUT',
      `/api/workspaces/${this.workspaceId}/members/${this.ids.spare}`,
      { role: 'viewer' },
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  private async addMembers(workspaceId: string): Promise<void> {
    for (const role of ['editor', 'viewer'] as const) {
      const res = await this.owner.request(
        'PUT',
        `/api/workspaces/${workspaceId}/members/${this.ids[role]}`,
        {
          role,
        },
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
  }

  private async createFixtures(): Promise<void> {
    const { server } = this;
    this.clients.admin = await setupAdmin(server);
    for (const role of ['other', 'viewer', 'editor', 'owner'] as const)
      this.clients[role] = await createMember(server, this.admin, role);
    for (const role of ['admin', 'other', 'viewer', 'editor', 'owner'] as const)
      this.ids[role] = (await this.clients[role].get('/api/me')).body.user.id as string;
    this.ids.spare = await this.newUser();

    const ws = await createWorkspace(this.owner, { name: 'authz' });
    expect(ws.body.state, JSON.stringify(ws.body)).toBe('running');
    this.workspaceId = ws.body.id as string;
    await this.addMembers(this.workspaceId);
    const env = await this.owner.post(`/api/workspaces/${this.workspaceId}/exec`, {
      command: ['printenv', 'HANGAR_TOKEN'],
    });
    this.workspaceToken = String(env.body.stdout).trim();
    expect(this.workspaceToken).toMatch(/^hws_/);

    this.terminalId = await this.newTerminal();
    this.messageId = await this.newMessage();
    this.webhookId = await this.newWebhook();
    this.groupId = await this.newGroup();
    await this.newFile('notes.txt');

    const session = await this.owner.post('/api/sessions', {
      workspaceId: this.workspaceId,
      agent: 'pi',
      model: MODEL,
      prompt: 'Say hello',
      permissionMode: 'allow_all',
    });
    expect(session.status, JSON.stringify(session.body)).toBe(201);
    this.sessionId = session.body.id as string;
    const deadline = Date.now() + 60_000;
    for (;;) {
      const { body } = await this.owner.get(`/api/sessions/${this.sessionId}`);
      const events = body.events as (Stored & { event: { runId?: string } })[];
      if (events.some((e) => e.event.type === 'RUN_FINISHED') && body.session.status === 'idle') {
        this.turnId = events.find((e) => e.event.type === 'RUN_STARTED')!.event.runId!;
        break;
      }
      if (Date.now() > deadline)
        throw new Error(`the session's first turn did not end: ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async close(): Promise<void> {
    const admin = this.clients.admin;
    if (admin) {
      await admin.post(`/api/sessions/${this.sessionId}/stop`).catch(() => undefined);
      // Every workspace, the ones routes created included (an admin lists them all).
      const list = await admin.get('/api/workspaces').catch(() => undefined);
      for (const ws of (list?.body.workspaces ?? []) as { id: string; name: string }[])
        await admin
          .request('DELETE', `/api/workspaces/${ws.id}`, { confirm: ws.name })
          .catch(() => undefined);
    }
    await this.server.services.workspaces.settle();
    await this.server.stop();
    await this.provider.close();
  }
}
