/**
 * The one module of typed errors. Each factory has a stable `id` (clients may
 * branch on it), an HTTP status, and a message that says what to fix.
 */
export class HangarError extends Error {
  constructor(
    readonly id: string,
    readonly status: number,
    message: string,
    readonly extra: { details?: unknown; retryAfter?: number } = {},
  ) {
    super(message);
    this.name = 'HangarError';
  }
}

/** Ties an error to one request field, so a form can show it at that field. */
function field(path: string, message: string) {
  return { details: [{ where: 'body', path, message }] };
}

export const errors = {
  unauthenticated: () =>
    new HangarError(
      'unauthenticated',
      401,
      'Log in, or send an API token as "Authorization: Bearer <token>".',
    ),
  invalidToken: () =>
    new HangarError('invalid_token', 401, 'The API token is unknown, revoked or expired: create a new one.'),
  forbidden: (what: string) => new HangarError('forbidden', 403, `You are not allowed to ${what}.`),
  adminOnly: () => new HangarError('admin_required', 403, 'Only an admin can do this.'),
  csrfRejected: () =>
    new HangarError(
      'cross_origin_rejected',
      403,
      'Cross-origin request refused: send it from the Hangar web app, or use an API token.',
    ),
  notFound: (what: string) => new HangarError('not_found', 404, `${what} was not found.`),
  routeNotFound: (method: string, url: string) =>
    new HangarError('route_not_found', 404, `No API route ${method} ${url}: see /api/docs for the routes.`),
  conflict: (message: string) => new HangarError('conflict', 409, message),
  validation: (details: unknown, message = 'The request is not valid: see details.') =>
    new HangarError('validation_failed', 400, message, { details }),
  invalidJson: (reason: string) =>
    new HangarError('invalid_json', 400, `The body is not valid JSON: ${reason}`),
  badUrl: () =>
    new HangarError('bad_url', 400, 'The URL is not valid: a %-escape does not decode (escape % as %25).'),
  paramTooLong: (limit: number) =>
    new HangarError('param_too_long', 414, `A path segment is longer than ${limit} characters.`),
  payloadTooLarge: (limitBytes: number) =>
    new HangarError('payload_too_large', 413, `The body is larger than the limit of ${limitBytes} bytes.`),
  unsupportedMediaType: (type: string) =>
    new HangarError(
      'unsupported_media_type',
      415,
      `Content-Type ${type} is not accepted: send application/json.`,
    ),
  badRequest: (message: string) => new HangarError('bad_request', 400, message),
  invalidCredentials: () => new HangarError('invalid_credentials', 401, 'Wrong username or password.'),
  loginThrottled: (retryAfter: number) =>
    new HangarError(
      'login_throttled',
      429,
      `Too many failed login attempts: try again in ${retryAfter} seconds.`,
      { retryAfter },
    ),
  accountLocked: (retryAfter: number) =>
    new HangarError(
      'account_locked',
      423,
      `This account is locked after too many failed logins: try again in ${Math.ceil(retryAfter / 60)} minutes, or ask an admin to unlock it.`,
      { retryAfter },
    ),
  accountDisabled: () => new HangarError('account_disabled', 403, 'This account is disabled: ask an admin.'),
  setupDone: () => new HangarError('setup_done', 409, 'Hangar already has an admin account: log in instead.'),
  invalidSetupToken: () =>
    new HangarError(
      'invalid_setup_token',
      403,
      'The setup token is wrong: use the link printed by `hangar serve`.',
    ),
  wrongPassword: () => new HangarError('wrong_password', 403, 'The current password is wrong.'),
  /** Refused to an API token: only a session signed in with the password may do it. */
  needsPassword: (what: string, why: string) =>
    new HangarError(
      'password_session_required',
      403,
      `An API token cannot ${what} (${why}): sign in to the web app with your password and do it there.`,
    ),
  invitationInvalid: () =>
    new HangarError(
      'invitation_invalid',
      410,
      'This invitation link is unknown, used, revoked or expired: ask for a new one.',
    ),
  lastAdmin: () =>
    new HangarError(
      'last_admin',
      409,
      'Hangar needs at least one active admin: make someone else admin first.',
    ),
  authDisabled: () =>
    new HangarError(
      'auth_disabled',
      409,
      'Authentication is off (HANGAR_AUTH=none): there is nothing to log in to.',
    ),
  unknownTemplate: (name: string, known: string[]) => {
    const message = `There is no template "${name}": use one of ${known.join(', ')}.`;
    return new HangarError('unknown_template', 400, message, field('template', message));
  },
  templateUnavailable: (name: string, reason: string) => {
    const message = `Template "${name}" cannot be used on this server now: ${reason}`;
    return new HangarError('template_unavailable', 409, message, field('template', message));
  },
  workspaceNameTaken: (name: string) => {
    const message = `A workspace named "${name}" exists: choose another name.`;
    return new HangarError('workspace_name_taken', 409, message, field('name', message));
  },
  pathNotAllowed: (path: string) => {
    const message = `"${path}" is not a git repository under the allowed roots (HANGAR_LOCAL_REPO_ROOTS): pick a repository there.`;
    return new HangarError('path_not_allowed', 400, message, field('source.path', message));
  },
  invalidState: (name: string, state: string, action: string) =>
    new HangarError('invalid_state', 409, `Workspace "${name}" is ${state}: it cannot ${action} now.`),
  confirmationMismatch: (name: string) =>
    new HangarError(
      'confirmation_mismatch',
      400,
      `To delete, send {"confirm": "${name}"}: the workspace's name.`,
    ),
  hostDriverRefused: () =>
    new HangarError(
      'host_driver_refused',
      403,
      'The host driver does not isolate workspaces, and this server has several accounts: an admin must set HANGAR_HOST_DRIVER_MULTI_USER=true to allow it.',
    ),
  noFreeUid: () =>
    new HangarError(
      'no_free_uid',
      503,
      'Every sandbox uid is in use: raise HANGAR_SANDBOX_UID_COUNT or delete workspaces.',
    ),
  lastOwner: () =>
    new HangarError(
      'last_owner',
      409,
      'A workspace needs at least one owner: make someone else owner first.',
    ),
  terminalLimit: (limit: number) =>
    new HangarError(
      'terminal_limit',
      409,
      `A workspace may have at most ${limit} terminals: close one first.`,
    ),
  terminalExited: () => new HangarError('terminal_exited', 409, 'This terminal has exited: open a new one.'),
  budgetExceeded: (who: string, spent: number, limit: number, how: string) =>
    new HangarError(
      'budget_exceeded',
      429,
      `${who} monthly LLM budget of $${limit.toFixed(2)} is spent ($${spent.toFixed(2)} this month): an admin can raise it with ${how}.`,
    ),
  modelNotAllowed: (model: string, template: string) =>
    new HangarError(
      'model_not_allowed',
      403,
      `Model "${model}" is not allowed for template "${template}": use one its "models" list names.`,
    ),
  invalidWorkspaceToken: () =>
    new HangarError(
      'invalid_workspace_token',
      401,
      'The workspace token is unknown, revoked or from a stopped sandbox.',
    ),
  unknownProvider: (name: string) =>
    new HangarError('unknown_provider', 404, `There is no LLM provider "${name}" on this server.`),
  providerKeyMissing: (name: string) =>
    new HangarError(
      'provider_key_missing',
      503,
      `No key is set for provider "${name}": an admin can set one under Admin › Providers.`,
    ),
  upstreamUnreachable: (name: string, reason: string) =>
    new HangarError('upstream_unreachable', 502, `Provider "${name}" could not be reached: ${reason}`),
  unknownAgent: (name: string, known: string[]) =>
    new HangarError(
      'unknown_agent',
      400,
      `There is no agent "${name}": use one of ${known.join(', ') || '(none installed)'}.`,
    ),
  agentUnavailable: (name: string, reason: string) =>
    new HangarError('agent_unavailable', 409, `The ${name} agent cannot run on this server: ${reason}`),
  sessionNotLive: (status: string) =>
    new HangarError('session_not_running', 409, `The session is ${status}: restart it first.`),
  modelSwitchUnsupported: (agent: string) =>
    new HangarError(
      'model_switch_unsupported',
      409,
      `The ${agent} agent cannot switch models in a session: start a new session with the model.`,
    ),
  modelSwitchFailed: (agent: string, reason: string) =>
    new HangarError(
      'model_switch_failed',
      502,
      `The ${agent} agent refused the model switch (${reason}); the session keeps its model.`,
    ),
  unknownModel: (model: string, agent: string, allowed: string[]) =>
    new HangarError(
      'unknown_model',
      400,
      `The ${agent} agent does not offer the model "${model}": use one of ${allowed.join(', ') || '(none configured)'}.`,
      field('model', "not one of the agent's models"),
    ),
  unknownPermissionRequest: () =>
    new HangarError(
      'unknown_permission_request',
      409,
      'No permission request with this id is waiting: it was answered already or the turn ended.',
    ),
  tooManyStreams: (scope: 'user' | 'server', limit: number) =>
    new HangarError(
      'too_many_streams',
      429,
      scope === 'user'
        ? `You have ${limit} live streams open (event streams and terminals), the most one user may: close a tab or a terminal first.`
        : `The server holds ${limit} live streams, the most it allows: try again later, or ask an admin to raise HANGAR_STREAMS_TOTAL.`,
      { retryAfter: 5 },
    ),
  workspaceLimit: (limit: number) =>
    new HangarError(
      'workspace_limit',
      409,
      `You have ${limit} workspaces that are not archived, the most one user may: archive or delete one first (an admin can raise HANGAR_WORKSPACES_PER_USER).`,
    ),
  workspaceOverDiskCap: (name: string, cap: string, used: string) =>
    new HangarError(
      'workspace_over_disk_cap',
      409,
      `Workspace "${name}" uses ${used}, over its disk cap of ${cap}: delete files in its Files tab (or through the files API, which works while it is stopped), or ask an admin to raise the template's limits.diskBytes; then start it.`,
    ),
  workspaceCreationThrottled: (limit: number, retryAfter: number) =>
    new HangarError(
      'workspace_creation_throttled',
      429,
      `You created ${limit} workspaces in the last minute, the most one user may: try again in ${retryAfter} seconds.`,
      { retryAfter },
    ),
  internal: () =>
    new HangarError('internal_error', 500, 'Something went wrong on the server; it has been logged.'),
  unavailable: (message: string) => new HangarError('not_ready', 503, message),
};
