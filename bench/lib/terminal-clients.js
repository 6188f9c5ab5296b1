// The clients of the terminal benchmark, each behind the one small interface
// the measurements need: Hangar's WebSocket protocol, WeTTY's socket.io
// protocol, and a local node-pty reader (no network at all). Each acknowledges
// output the way its own browser client does, but at once on receipt (no
// rendering), so the figures are the transport's, not a renderer's.
import { serverFrame } from '@hangar/protocol';
import pty from 'node-pty';
import { io } from 'socket.io-client';
import WebSocket from 'ws';

/** Hangar: acknowledge every this many output bytes (the protocol asks for about every 5 KB). */
const HANGAR_ACK_BYTES = 4096;
/** WeTTY: its client commits every 256 Ki characters (FlowControlClient.ackBytes in wetty's client). */
const WETTY_COMMIT_CHARS = 262_144;
/** Longest wait for a connection to open or close, in ms. */
const CONNECT_TIMEOUT_MS = 15_000;

/**
 * @typedef {object} TerminalConnection  one client of a terminal, as the measurements see it
 * @property {(data: string) => void} type  sends keystrokes
 * @property {(listener: (chunk: Buffer | string) => void) => void} onOutput  replaces the output listener
 * @property {() => string | undefined} failure  why the connection ended or was refused, if it was
 * @property {() => Promise<void>} close
 */

/**
 * A viewer of a Hangar terminal over its WebSocket (see packages/protocol/src/terminals.ts).
 * @param {URL} base  the server's base URL (loopback)
 * @param {string} workspaceId
 * @param {string} terminalId
 * @param {{ cols: number, rows: number }} size
 * @returns {Promise<TerminalConnection>}
 */
export async function openHangarTerminal(base, workspaceId, terminalId, size) {
  const url = new URL(
    `/api/workspaces/${encodeURIComponent(workspaceId)}/terminals/${encodeURIComponent(terminalId)}/ws`,
    base,
  );
  url.protocol = 'ws:';
  // The server refuses upgrades without an Origin of its own.
  const socket = new WebSocket(url, { origin: base.origin, perMessageDeflate: false });
  /** @type {(chunk: Buffer | string) => void} */
  let listener = () => undefined;
  /** @type {string | undefined} */
  let failure;
  let unacked = 0;
  /** @type {() => void} */
  let snapshotArrived = () => undefined;
  const snapshot = new Promise((resolve) => (snapshotArrived = () => resolve(undefined)));
  socket.on('message', (data, isBinary) => {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    if (isBinary) {
      listener(bytes);
      unacked += bytes.length;
      if (unacked >= HANGAR_ACK_BYTES) {
        socket.send(JSON.stringify({ type: 'ack', bytes: unacked }));
        unacked = 0;
      }
      return;
    }
    const frame = serverFrame.safeParse(parseJson(bytes.toString('utf8')));
    if (!frame.success) failure = `unexpected frame: ${bytes.toString('utf8').slice(0, 200)}`;
    else if (frame.data.type === 'snapshot') snapshotArrived();
    else if (frame.data.type === 'error') failure = `error frame: ${frame.data.id}: ${frame.data.message}`;
    else if (frame.data.type === 'exit') failure = `the terminal exited (${frame.data.exitCode})`;
  });
  socket.on('close', (code, reason) => (failure ??= `socket closed: ${code} ${reason.toString()}`));
  await withTimeout(
    new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('unexpected-response', (_req, res) =>
        reject(new Error(`WebSocket upgrade refused: ${res.statusCode}`)),
      );
      socket.once('error', reject);
    }).then(() => snapshot),
    'the Hangar terminal did not open',
    () => socket.terminate(),
  );
  // As the web client does. (The ?cols=&rows= of the URL is refused with 400: query values are strings.)
  socket.send(JSON.stringify({ type: 'resize', ...size }));
  return {
    type: (data) => socket.send(JSON.stringify({ type: 'input', data })),
    onOutput: (next) => (listener = next),
    failure: () => failure,
    close: async () => {
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise((resolve) => socket.once('close', resolve));
      socket.close(1000);
      await withTimeout(closed, 'the Hangar socket did not close', () => socket.terminate()).catch(
        () => undefined,
      );
    },
  };
}

/**
 * A WeTTY client over socket.io (its browser client's protocol: `data`
 * strings in; `input`, `resize` and `commit` out), on the WebSocket transport
 * only: the browser client starts with HTTP long-polling and upgrades.
 * @param {URL} base  WeTTY's base URL (loopback)
 * @param {string} basePath  its --base, e.g. /wetty
 * @param {{ cols: number, rows: number }} size
 * @returns {Promise<TerminalConnection>}
 */
export async function openWettyTerminal(base, basePath, size) {
  const socket = io(base.origin, {
    path: `${basePath}/socket.io`,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  /** @type {(chunk: Buffer | string) => void} */
  let listener = () => undefined;
  /** @type {string | undefined} */
  let failure;
  let uncommitted = 0;
  socket.on('data', (/** @type {unknown} */ data) => {
    if (typeof data !== 'string') {
      failure = `unexpected data event: ${typeof data}`;
      return;
    }
    listener(data);
    uncommitted += data.length;
    while (uncommitted >= WETTY_COMMIT_CHARS) {
      socket.emit('commit', WETTY_COMMIT_CHARS);
      uncommitted -= WETTY_COMMIT_CHARS;
    }
  });
  socket.on('logout', () => (failure ??= 'the WeTTY terminal ended (logout)'));
  socket.on('disconnect', (reason) => (failure ??= `WeTTY disconnected: ${reason}`));
  await withTimeout(
    new Promise((resolve, reject) => {
      // WeTTY has spawned the command's PTY when it says `login`; its handlers are there by then.
      socket.once('login', () => {
        socket.emit('resize', size);
        resolve(undefined);
      });
      socket.once('connect_error', reject);
    }),
    'WeTTY did not start the terminal',
    () => socket.disconnect(),
  );
  return {
    type: (data) => socket.emit('input', data),
    onOutput: (next) => (listener = next),
    failure: () => failure,
    close: async () => {
      failure ??= 'closed';
      // WeTTY kills the PTY (and so the command) when the socket disconnects.
      socket.disconnect();
    },
  };
}

/**
 * The limit: the same host command read through a PTY in this process, with
 * no server and no network in between. Output as Buffers, like Hangar's PTY.
 * @param {import('./sandbox-command.js').HostCommand} host
 * @param {{ cols: number, rows: number }} size
 * @returns {Promise<TerminalConnection>}
 */
export async function openLocalTerminal(host, size) {
  const term = pty.spawn(host.file, host.args, {
    name: 'xterm-256color',
    cols: size.cols,
    rows: size.rows,
    cwd: host.cwd ?? '/',
    env: host.env,
    encoding: null, // output as Buffers, undecoded, as Hangar's server reads its PTY
  });
  /** @type {(chunk: Buffer | string) => void} */
  let listener = () => undefined;
  /** @type {string | undefined} */
  let failure;
  /** @type {() => void} */
  let exited = () => undefined;
  const exit = new Promise((resolve) => (exited = () => resolve(undefined)));
  term.onData((/** @type {Buffer | string} */ chunk) => listener(chunk));
  term.onExit(({ exitCode, signal }) => {
    failure ??= `the command exited (${exitCode}${signal ? `, signal ${signal}` : ''})`;
    exited();
  });
  return {
    type: (data) => term.write(data),
    onOutput: (next) => (listener = next),
    failure: () => failure,
    close: async () => {
      failure ??= 'closed';
      term.kill(); // SIGHUP to the command this process started, by its PID
      await withTimeout(exit, 'the local PTY did not exit', () => term.kill('SIGKILL')).catch(
        () => undefined,
      );
    },
  };
}

/** @returns {unknown} undefined when the text is not JSON */
function parseJson(/** @type {string} */ text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * @template T
 * @param {Promise<T>} promise
 * @param {string} what
 * @param {() => void} onTimeout
 * @returns {Promise<T>}
 */
async function withTimeout(promise, what, onTimeout) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  try {
    return await Promise.race([
      promise,
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => {
          onTimeout();
          reject(new Error(`${what} within ${CONNECT_TIMEOUT_MS} ms`));
        }, CONNECT_TIMEOUT_MS);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
