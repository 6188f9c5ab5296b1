// A small client for the parts of Hangar's HTTP API that the workspace,
// terminal and llm-proxy benchmarks use. Loopback only; every request has a
// timeout; answers come from another process, so each field is checked
// before it is used.
import { Agent, request } from 'node:http';

/** Longer than the server's own limit on `?wait=true` (60 s), so the server answers first. */
const CREATE_TIMEOUT_MS = 90_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * @typedef {object} WorkspaceInfo
 * @property {string} id
 * @property {string} name
 * @property {string} state
 * @property {string | null} error
 */

/**
 * @typedef {object} TemplateInfo
 * @property {string} name
 * @property {string} driver
 * @property {string | null} unavailable  why it cannot be used now, if it cannot
 */

/** @param {URL} base */
export function hangarApi(base) {
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) {
    throw new Error(`refusing a non-loopback server: ${base.host}`);
  }
  // Keep-alive, so a sample times Hangar rather than TCP connection set-up.
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** Every workspace id an answer named, for checking afterwards that nothing of them is left. */
  const seen = new Set();
  const see = (/** @type {WorkspaceInfo} */ workspace) => {
    seen.add(workspace.id);
    return workspace;
  };

  /**
   * @param {string} method
   * @param {string} path
   * @param {{ body?: unknown, timeoutMs?: number, expect: number[] }} options
   * @returns {Promise<{ status: number, body: unknown }>}
   */
  const call = (method, path, { body, timeoutMs = REQUEST_TIMEOUT_MS, expect }) =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        new URL(path, base),
        {
          method,
          agent,
          timeout: timeoutMs,
          headers: payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {},
        },
        (res) => {
          /** @type {Buffer[]} */
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.once('error', reject);
          res.once('end', () => {
            const status = res.statusCode ?? 0;
            const text = Buffer.concat(chunks).toString('utf8');
            /** @type {unknown} */
            let parsed;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              return reject(new Error(`${method} ${path}: ${status}, not JSON: ${text.slice(0, 200)}`));
            }
            if (!expect.includes(status)) {
              return reject(
                new Error(`${method} ${path}: ${status} ${errorText(parsed) ?? text.slice(0, 200)}`),
              );
            }
            resolve({ status, body: parsed });
          });
        },
      );
      req.once('timeout', () =>
        req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)),
      );
      req.once('error', reject);
      req.end(payload);
    });

  return {
    /** @returns {Promise<TemplateInfo[]>} */
    async templates() {
      const { body } = await call('GET', '/api/templates', { expect: [200] });
      return list(body, 'templates').map((t) => ({
        name: str(t, 'name'),
        driver: str(t, 'driver'),
        unavailable: nullableStr(t, 'unavailable'),
      }));
    },

    /** Creates an empty workspace and answers once it is running or failed. */
    async createWorkspace(/** @type {string} */ name, /** @type {string} */ template) {
      const { body } = await call('POST', '/api/workspaces?wait=true', {
        body: { name, template },
        timeoutMs: CREATE_TIMEOUT_MS,
        expect: [201],
      });
      return see(workspaceOf(body));
    },

    /** @returns {Promise<WorkspaceInfo[]>} every workspace this (auth-less) server holds */
    async listWorkspaces() {
      const { body } = await call('GET', '/api/workspaces', { expect: [200] });
      return list(body, 'workspaces').map((w) => see(workspaceOf(w)));
    },

    /** @returns {Promise<{ exitCode: number | null, stdout: string, stderr: string }>} */
    async exec(/** @type {string} */ id, /** @type {string[]} */ command) {
      const { body } = await call('POST', `/api/workspaces/${encodeURIComponent(id)}/exec`, {
        body: { command },
        expect: [200],
      });
      const exitCode = field(body, 'exitCode');
      if (exitCode !== null && typeof exitCode !== 'number')
        throw new Error('exec: exitCode is not a number');
      return { exitCode, stdout: str(body, 'stdout'), stderr: str(body, 'stderr') };
    },

    /**
     * Opens a terminal (a login shell under tmux) in a running workspace.
     * @param {string} id
     * @param {{ cols: number, rows: number }} size
     * @returns {Promise<{ id: string }>}
     */
    async createTerminal(id, size) {
      const { body } = await call('POST', `/api/workspaces/${encodeURIComponent(id)}/terminals`, {
        body: size,
        expect: [201],
      });
      return { id: str(body, 'id') };
    },

    /** Closes the terminal: ends its tmux session and detaches the server; one already gone is fine. */
    async closeTerminal(/** @type {string} */ id, /** @type {string} */ terminalId) {
      await call(
        'DELETE',
        `/api/workspaces/${encodeURIComponent(id)}/terminals/${encodeURIComponent(terminalId)}`,
        { expect: [200, 404] },
      );
    },

    /** Starts the deletion (it completes in the background); a workspace already gone is fine. */
    async deleteWorkspace(/** @type {string} */ id, /** @type {string} */ name) {
      await call('DELETE', `/api/workspaces/${encodeURIComponent(id)}`, {
        body: { confirm: name },
        expect: [200, 404],
      });
    },

    async exists(/** @type {string} */ id) {
      const { status } = await call('GET', `/api/workspaces/${encodeURIComponent(id)}`, {
        expect: [200, 404],
      });
      return status === 200;
    },

    /**
     * LLM calls the proxy metered this month, all workspaces together.
     * @returns {Promise<{ calls: number, errors: number }>}
     */
    async usageTotal() {
      const { body } = await call('GET', '/api/usage?by=workspace', { expect: [200] });
      const total = field(body, 'total');
      const calls = field(total, 'calls');
      const failed = field(total, 'errors');
      if (typeof calls !== 'number' || typeof failed !== 'number')
        throw new Error('usage: calls and errors are not numbers');
      return { calls, errors: failed };
    },

    /** @returns {ReadonlySet<string>} */
    seenWorkspaceIds() {
      return seen;
    },

    close() {
      agent.destroy();
    },
  };
}

/** @typedef {ReturnType<typeof hangarApi>} HangarApi */

/**
 * @param {unknown} body
 * @returns {WorkspaceInfo}
 */
function workspaceOf(body) {
  return {
    id: str(body, 'id'),
    name: str(body, 'name'),
    state: str(body, 'state'),
    error: nullableStr(body, 'error'),
  };
}

/** The `{"error": {"id", "message"}}` of an error answer, as one line. */
function errorText(/** @type {unknown} */ body) {
  const error = field(body, 'error');
  if (typeof error !== 'object' || error === null) return undefined;
  const id = field(error, 'id');
  const message = field(error, 'message');
  return typeof message === 'string' ? `${String(id)}: ${message}` : undefined;
}

/**
 * @param {unknown} value
 * @param {string} key
 * @returns {unknown}
 */
function field(value, key) {
  if (typeof value !== 'object' || value === null || !(key in value)) {
    throw new Error(`unexpected answer from Hangar: no "${key}" in ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return /** @type {Record<string, unknown>} */ (value)[key];
}

function str(/** @type {unknown} */ value, /** @type {string} */ key) {
  const v = field(value, key);
  if (typeof v !== 'string') throw new Error(`unexpected answer from Hangar: "${key}" is not a string`);
  return v;
}

function nullableStr(/** @type {unknown} */ value, /** @type {string} */ key) {
  const v = field(value, key);
  return v === null ? null : str(value, key);
}

function list(/** @type {unknown} */ value, /** @type {string} */ key) {
  const v = field(value, key);
  if (!Array.isArray(v)) throw new Error(`unexpected answer from Hangar: "${key}" is not a list`);
  return /** @type {unknown[]} */ (v);
}
