import { MEMBER_PASSWORD, MODEL, type AuthzBed, type Role } from './authz-bed.js';

/** How one route is called: path params (by name), a query, a body, headers. */
export interface Call {
  params?: Record<string, string | number>;
  query?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A multipart body instead of JSON. */
  form?: FormData;
  /** Run after the call (closes what the call needed open). */
  after?: () => void;
}

export type CallOf = (bed: AuthzBed, role: Role) => Call | Promise<Call>;

/**
 * Minimal valid requests, so that a refusal is about who calls and not about the body. Routes
 * that use their target up (delete, stop, logout…) get a new one for every call. Routes not
 * listed get their path params from defaultParams() and `{}` as the body.
 */
export const CALLS: Record<string, CallOf> = {
  'POST /api/auth/setup': () => ({
    body: { setupToken: 'x'.repeat(32), username: 'nobody', password: 'p'.repeat(12) },
  }),
  'POST /api/auth/login': () => ({ body: { username: 'owner', password: 'member password 1' } }),
  'POST /api/auth/logout': async (bed, role) =>
    isUser(role) ? { headers: { cookie: await bed.freshCookie(role) } } : {},
  'PATCH /api/me': () => ({ body: { displayName: 'Someone' } }),
  'POST /api/tokens': (bed) => ({ body: { name: `t${bed.next()}` } }),
  'DELETE /api/tokens/{id}': async (bed, role) => ({ params: { id: await bed.ownToken(role) } }),
  'POST /api/users': (bed) => ({ body: { username: `n${bed.next()}`, password: 'p'.repeat(12) } }),
  'PATCH /api/users/{id}': () => ({ body: { displayName: 'Spare' } }),
  'DELETE /api/users/{id}': async (bed) => ({ params: { id: await bed.newUser() } }),
  'POST /api/groups': (bed) => ({ body: { name: `g${bed.next()}` } }),
  'PATCH /api/groups/{id}': () => ({ body: { description: 'd' } }),
  'DELETE /api/groups/{id}': async (bed) => ({ params: { id: await bed.newGroup() } }),
  'POST /api/invitations': () => ({ body: { role: 'member' } }),
  'DELETE /api/invitations/{id}': async (bed) => ({ params: { id: (await bed.newInvitation()).id } }),
  'GET /api/invitations/preview': async (bed) => ({
    query: `token=${encodeURIComponent((await bed.newInvitation()).token)}`,
  }),
  'POST /api/invitations/accept': async (bed) => ({
    body: { token: (await bed.newInvitation()).token, username: `i${bed.next()}`, password: 'p'.repeat(12) },
  }),
  'POST /api/workspaces': (bed) => ({ body: { name: `made-${bed.next()}`, template: 'plain' } }),
  'PATCH /api/workspaces/{id}': () => ({ body: { name: 'authz' } }),
  'DELETE /api/workspaces/{id}': async (bed) => {
    const id = await bed.newWorkspace();
    return { params: { id }, body: { confirm: (await bed.owner.get(`/api/workspaces/${id}`)).body.name } };
  },
  'POST /api/workspaces/{id}/stop': async (bed) => ({ params: { id: await bed.newWorkspace() } }),
  'POST /api/workspaces/{id}/archive': async (bed) => ({ params: { id: await bed.newWorkspace() } }),
  'PUT /api/workspaces/{id}/members/{userId}': () => ({ body: { role: 'viewer' } }),
  'DELETE /api/workspaces/{id}/members/{userId}': async (bed) => {
    await bed.spareMember();
    return {};
  },
  'POST /api/workspaces/{id}/exec': () => ({ body: { command: ['true'] } }),
  'PATCH /api/workspaces/{id}/terminals/{terminalId}': () => ({ body: { name: 'renamed' } }),
  'DELETE /api/workspaces/{id}/terminals/{terminalId}': async (bed) => ({
    params: { terminalId: await bed.newTerminal() },
  }),
  // A workspace of its own each time: the shared one must stay without a repository for the rest.
  'POST /api/workspaces/{id}/git/init': async (bed) => ({ params: { id: await bed.newWorkspace() } }),
  'POST /api/workspaces/{id}/git/branches': (bed) => ({ body: { name: `b${bed.next()}`, switch: false } }),
  'POST /api/workspaces/{id}/git/switch': () => ({ body: { name: 'main' } }),
  'POST /api/workspaces/{id}/git/commit': () => ({ body: { message: 'm' } }),
  'DELETE /api/workspaces/{id}/git/remote-branches': () => ({ query: 'name=gone' }),
  'POST /api/workspaces/{id}/git/pulls': () => ({ body: { title: 't' } }),
  'POST /api/me/git-credentials': (bed) => ({
    body: { host: `h${bed.next()}.example.com`, username: 'x', token: 'secret-token' },
  }),
  'DELETE /api/me/git-credentials/{credentialId}': async (bed, role) => ({
    params: { credentialId: await bed.ownCredential(role) },
  }),
  'GET /api/workspaces/{id}/files/content': () => ({ query: 'path=notes.txt' }),
  'POST /api/workspaces/{id}/files': (bed) => ({ body: { path: `c-${bed.next()}.txt`, type: 'file' } }),
  'DELETE /api/workspaces/{id}/files': async (bed) => ({ query: `path=${await bed.newFile()}` }),
  'PUT /api/workspaces/{id}/files/content': (bed) => ({
    query: `path=w-${bed.next()}.txt`,
    body: { content: 'x' },
    headers: { 'if-none-match': '*' },
  }),
  'POST /api/workspaces/{id}/files/move': async (bed) => ({
    body: { from: await bed.newFile(), to: `m-${bed.next()}.txt` },
  }),
  'GET /api/workspaces/{id}/files/download': () => ({ query: 'path=notes.txt' }),
  'POST /api/workspaces/{id}/files/upload': (bed) => {
    const form = new FormData();
    form.append('file', new Blob(['up\n']), `u-${bed.next()}.txt`);
    return { form };
  },
  'PUT /api/admin/providers/{name}/key': () => ({ body: { key: 'sk-not-a-real-key' } }),
  'PUT /api/budgets/{scope}/{subjectId}': () => ({ body: { monthlyUsd: 100 } }),
  'GET /api/sessions': (bed) => ({ query: `workspace=${bed.workspaceId}` }),
  'POST /api/sessions': (bed) => ({ body: { workspaceId: bed.workspaceId, agent: 'pi', model: MODEL } }),
  'PATCH /api/sessions/{id}': () => ({ body: { model: MODEL } }),
  'POST /api/sessions/{id}/messages': () => ({ body: { text: 'Say hello' } }),
  // AG-UI's RunAgentInput, as @ag-ui/client's HttpAgent posts it.
  'POST /api/sessions/{id}/agui': (bed) => ({
    body: {
      threadId: 'authz',
      runId: `run-${bed.next()}`,
      state: {},
      messages: [{ id: `m-${bed.next()}`, role: 'user', content: 'Say hello' }],
      tools: [],
      context: [],
      forwardedProps: {},
    },
  }),
  'POST /api/sessions/{id}/permissions': () => ({ body: { requestId: 'no-such-request', decision: 'deny' } }),
  'POST /api/workspaces/{id}/chat/messages': () => ({ body: { text: 'hello' } }),
  'PATCH /api/workspaces/{id}/chat/messages/{messageId}': () => ({ body: { text: 'edited' } }),
  'DELETE /api/workspaces/{id}/chat/messages/{messageId}': async (bed) => ({
    params: { messageId: await bed.newMessage() },
  }),
  'POST /api/workspaces/{id}/chat/read': () => ({ body: { lastReadId: 1 } }),
  'POST /api/workspaces/{id}/chat/bot-messages': () => ({ body: { text: 'from the sandbox' } }),
  'GET /api/workspaces/{id}/presence/stream': () => ({ query: 'tab=tab-authz-1' }),
  // A tab beats while its stream is open: the role opens one first (refused where it may not).
  'POST /api/workspaces/{id}/presence/heartbeat': async (bed, role) => {
    const tab = `tab-${bed.next()}`;
    const stream = new AbortController();
    const opened = await fetch(
      new URL(`/api/workspaces/${bed.workspaceId}/presence/stream?tab=${tab}`, bed.server.url),
      { headers: bed.headersOf(role), signal: stream.signal },
    );
    void opened.body?.cancel().catch(() => undefined);
    return { body: { tab, panel: null }, after: () => stream.abort() };
  },
  'POST /api/notifications/read': () => ({ body: { all: true } }),
  'PUT /api/notifications/settings': () => ({ body: { mention: { inApp: true, browser: false } } }),
  'GET /api/webhooks': (bed) => ({ query: `workspace=${bed.workspaceId}` }),
  'POST /api/webhooks': (bed) => ({
    body: { url: 'https://example.com/h', events: ['session.finished'], workspaceId: bed.workspaceId },
  }),
  'DELETE /api/webhooks/{id}': async (bed) => ({ params: { id: await bed.newWebhook() } }),
  'GET /api/docs/static/*': () => ({ params: { '*': 'swagger-ui.css' } }),
};

/**
 * The API-token checks (as the owner): a body that a password session would have accepted, so a
 * refusal is about the token. The "new" password is the old one, in case the rule ever breaks.
 */
export const API_TOKEN_CALLS: Record<string, CallOf> = {
  'POST /api/tokens': (bed) => ({ body: { name: `t${bed.next()}`, expiresInDays: 3650 } }),
  'POST /api/me/password': () => ({
    body: { currentPassword: MEMBER_PASSWORD, newPassword: MEMBER_PASSWORD },
  }),
};

function isUser(role: Role): role is Exclude<Role, 'anonymous' | 'token'> {
  return role !== 'anonymous' && role !== 'token';
}

/** Path params by name (and by the route's resource, for `id`). */
export function defaultParams(bed: AuthzBed, path: string): Record<string, string | number> {
  const idOf = (): string => {
    if (path.startsWith('/api/workspaces/')) return bed.workspaceId;
    if (path.startsWith('/api/sessions/')) return bed.sessionId;
    if (path.startsWith('/api/users/')) return bed.ids.spare;
    if (path.startsWith('/api/groups/')) return bed.groupId;
    if (path.startsWith('/api/webhooks/')) return bed.webhookId;
    return 'none';
  };
  return {
    id: idOf(),
    userId: bed.ids.spare,
    terminalId: bed.terminalId,
    messageId: bed.messageId,
    number: 1,
    turn: bed.turnId,
    name: 'anthropic',
    scope: 'workspace',
    subjectId: bed.workspaceId,
    provider: 'anthropic',
  };
}
