import type { Role } from './authz-bed.js';

/**
 * What each role gets from each route: `ok` (anything but 401, 403 and 404; a 4xx about the
 * request or the resource's state is fine), or the refusal. Keyed by `METHOD path` as the
 * OpenAPI document writes it. Every route must be here: a new route fails the matrix until it is
 * classified. Workspace routes: `other` is no member (404: the workspace's existence does not
 * leak), admins may do anything, a workspace token is no user's credential (401).
 */
export type Outcome = 'ok' | 401 | 403 | 404;
export type Expected = Record<Role, Outcome>;

const row = (anonymous: Outcome, token: Outcome, other: Outcome, viewer: Outcome, editor: Outcome) =>
  ({ owner: 'ok', admin: 'ok', anonymous, token, other, viewer, editor }) as const;

/** Anyone, signed in or not. */
const PUBLIC: Expected = { ...row('ok', 'ok', 'ok', 'ok', 'ok') };
/** Any signed-in user. */
const USER: Expected = row(401, 401, 'ok', 'ok', 'ok');
/** Server admins only. */
const ADMIN: Expected = { ...row(401, 401, 403, 403, 403), owner: 403 };
/** Workspace members (viewers up). */
const READ: Expected = row(401, 401, 404, 'ok', 'ok');
/** Editors and owners: run things, write files, post. */
const OPERATE: Expected = row(401, 401, 404, 403, 'ok');
/** Owners: rename, members, archive, delete, webhooks. */
const MANAGE: Expected = row(401, 401, 404, 403, 403);
/** One's own chat message (the owner's here): others are refused, admins too. */
const OWN_MESSAGE: Expected = { ...row(401, 401, 404, 403, 403), admin: 403 };
/** Only the workspace's own token (code in its sandbox). */
const WORKSPACE_TOKEN: Expected = { ...row(401, 'ok', 401, 401, 401), owner: 401, admin: 401 };

export const EXPECTED: Record<string, Expected> = {
  'GET /api/health': PUBLIC,
  'GET /api/ready': PUBLIC,
  'GET /api/auth/status': PUBLIC,
  'POST /api/auth/setup': PUBLIC,
  'POST /api/auth/login': PUBLIC,
  'POST /api/auth/logout': PUBLIC,
  'GET /api/me': USER,
  'PATCH /api/me': USER,
  'POST /api/me/password': USER,
  'GET /api/tokens': USER,
  'POST /api/tokens': USER,
  'DELETE /api/tokens/{id}': USER,
  'GET /api/users': ADMIN,
  'POST /api/users': ADMIN,
  'GET /api/users/directory': USER,
  'GET /api/users/{id}': ADMIN,
  'PATCH /api/users/{id}': ADMIN,
  'DELETE /api/users/{id}': ADMIN,
  'POST /api/users/{id}/unlock': ADMIN,
  'GET /api/login-attempts': ADMIN,
  'GET /api/groups': USER,
  'POST /api/groups': ADMIN,
  'GET /api/groups/{id}': USER,
  'PATCH /api/groups/{id}': ADMIN,
  'DELETE /api/groups/{id}': ADMIN,
  'PUT /api/groups/{id}/members/{userId}': ADMIN,
  'DELETE /api/groups/{id}/members/{userId}': ADMIN,
  'GET /api/invitations': ADMIN,
  'POST /api/invitations': ADMIN,
  'DELETE /api/invitations/{id}': ADMIN,
  'GET /api/invitations/preview': PUBLIC,
  'POST /api/invitations/accept': PUBLIC,
  'GET /api/templates': USER,
  'GET /api/workspaces': USER,
  'POST /api/workspaces': USER,
  'GET /api/workspaces/{id}': READ,
  'PATCH /api/workspaces/{id}': MANAGE,
  'DELETE /api/workspaces/{id}': MANAGE,
  'POST /api/workspaces/{id}/start': OPERATE,
  'POST /api/workspaces/{id}/stop': OPERATE,
  'POST /api/workspaces/{id}/archive': MANAGE,
  'POST /api/workspaces/{id}/restore': MANAGE,
  'POST /api/workspaces/{id}/retry': OPERATE,
  'PUT /api/workspaces/{id}/members/{userId}': MANAGE,
  'DELETE /api/workspaces/{id}/members/{userId}': MANAGE,
  'POST /api/workspaces/{id}/exec': OPERATE,
  'GET /api/workspaces/{id}/terminals': READ,
  'POST /api/workspaces/{id}/terminals': OPERATE,
  'PATCH /api/workspaces/{id}/terminals/{terminalId}': OPERATE,
  'DELETE /api/workspaces/{id}/terminals/{terminalId}': OPERATE,
  'GET /api/workspaces/{id}/git/branches': READ,
  'POST /api/workspaces/{id}/git/init': OPERATE,
  'POST /api/workspaces/{id}/git/branches': OPERATE,
  'POST /api/workspaces/{id}/git/switch': OPERATE,
  'POST /api/workspaces/{id}/git/commit': OPERATE,
  'POST /api/workspaces/{id}/git/fetch': OPERATE,
  'POST /api/workspaces/{id}/git/pull': OPERATE,
  'POST /api/workspaces/{id}/git/push': OPERATE,
  'DELETE /api/workspaces/{id}/git/remote-branches': OPERATE,
  'GET /api/workspaces/{id}/git/pulls': READ,
  'POST /api/workspaces/{id}/git/pulls': OPERATE,
  'GET /api/workspaces/{id}/git/pulls/draft': READ,
  'GET /api/workspaces/{id}/git/pulls/{number}': READ,
  'GET /api/me/git-credentials': USER,
  'POST /api/me/git-credentials': USER,
  'DELETE /api/me/git-credentials/{credentialId}': USER,
  'GET /api/workspaces/{id}/files': READ,
  'POST /api/workspaces/{id}/files': OPERATE,
  'DELETE /api/workspaces/{id}/files': OPERATE,
  'GET /api/workspaces/{id}/files/content': READ,
  'PUT /api/workspaces/{id}/files/content': OPERATE,
  'POST /api/workspaces/{id}/files/move': OPERATE,
  'GET /api/workspaces/{id}/files/download': READ,
  'POST /api/workspaces/{id}/files/upload': OPERATE,
  'GET /api/usage': USER,
  'GET /api/admin/providers': ADMIN,
  'PUT /api/admin/providers/{name}/key': ADMIN,
  'DELETE /api/admin/providers/{name}/key': ADMIN,
  'GET /api/budgets': ADMIN,
  'PUT /api/budgets/{scope}/{subjectId}': ADMIN,
  'DELETE /api/budgets/{scope}/{subjectId}': ADMIN,
  'GET /api/agents': USER,
  'GET /api/sessions': READ,
  'POST /api/sessions': OPERATE,
  'GET /api/sessions/{id}': READ,
  'PATCH /api/sessions/{id}': OPERATE,
  'POST /api/sessions/{id}/interrupt': OPERATE,
  'POST /api/sessions/{id}/stop': OPERATE,
  'POST /api/sessions/{id}/restart': OPERATE,
  'POST /api/sessions/{id}/messages': OPERATE,
  'POST /api/sessions/{id}/agui': OPERATE,
  'POST /api/sessions/{id}/permissions': OPERATE,
  'GET /api/sessions/{id}/events': READ,
  'GET /api/workspaces/{id}/diff': READ,
  'GET /api/workspaces/{id}/diff/events': READ,
  'GET /api/sessions/{id}/turns': READ,
  'GET /api/sessions/{id}/turns/{turn}/diff': READ,
  'GET /api/workspaces/{id}/chat/messages': READ,
  'POST /api/workspaces/{id}/chat/messages': OPERATE,
  'PATCH /api/workspaces/{id}/chat/messages/{messageId}': OWN_MESSAGE,
  'DELETE /api/workspaces/{id}/chat/messages/{messageId}': OWN_MESSAGE,
  'GET /api/workspaces/{id}/chat/unread': READ,
  'POST /api/workspaces/{id}/chat/read': READ,
  'GET /api/workspaces/{id}/chat/members': READ,
  'GET /api/workspaces/{id}/chat/events': READ,
  'POST /api/workspaces/{id}/chat/bot-messages': WORKSPACE_TOKEN,
  'GET /api/workspaces/{id}/presence': READ,
  'GET /api/workspaces/{id}/presence/stream': READ,
  'POST /api/workspaces/{id}/presence/heartbeat': READ,
  'GET /api/notifications': USER,
  'POST /api/notifications/read': USER,
  'GET /api/notifications/settings': USER,
  'PUT /api/notifications/settings': USER,
  'GET /api/notifications/stream': USER,
  'GET /api/webhooks': MANAGE,
  'POST /api/webhooks': MANAGE,
  'DELETE /api/webhooks/{id}': MANAGE,
  'GET /api/webhooks/{id}/deliveries': MANAGE,
};

/**
 * Routes the OpenAPI document leaves out, each with how it is covered: every route the server
 * registers must be in the document or here.
 */
export const HIDDEN: Record<string, { expected: Expected | 'websocket' | 'llm' }> = {
  'GET /api/openapi.json': { expected: PUBLIC },
  'GET /api/docs': { expected: PUBLIC },
  'GET /api/docs/json': { expected: PUBLIC },
  'GET /api/docs/yaml': { expected: PUBLIC },
  'GET /api/docs/static/index.html': { expected: PUBLIC },
  'GET /api/docs/static/swagger-initializer.js': { expected: PUBLIC },
  'GET /api/docs/static/*': { expected: PUBLIC },
  'GET /api/workspaces/{id}/terminals/{terminalId}/ws': { expected: 'websocket' },
  ...Object.fromEntries(
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'QUERY'].map((method) => [
      `${method} /llm/{provider}/*`,
      { expected: 'llm' as const },
    ]),
  ),
};

/**
 * A user's API token acts as the user, except on the credential routes: it creates no token (one
 * made by a token could outlive it) and changes no password (a stolen token must not take the
 * account over); both need a session signed in with the password.
 */
export const API_TOKEN: Record<string, Outcome> = {
  'GET /api/me': 'ok',
  'GET /api/tokens': 'ok',
  'POST /api/tokens': 403,
  'DELETE /api/tokens/{id}': 'ok',
  'POST /api/me/password': 403,
  'GET /api/workspaces/{id}': 'ok',
};

/** The LLM proxy: only a running workspace's token; a user's cookie is no key. */
export const LLM: Expected = { ...row(401, 'ok', 401, 401, 401), owner: 401, admin: 401 };

/** The terminal socket: viewers watch (typing refused), editors up type, strangers get 4404. */
export const TERMINAL_SOCKET: Record<Role, 'types' | 'watches' | 401 | 404> = {
  anonymous: 401,
  token: 401,
  other: 404,
  viewer: 'watches',
  editor: 'types',
  owner: 'types',
  admin: 'types',
};
