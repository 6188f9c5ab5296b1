// The spawner zygote: a small Node process that starts commands for the
// Hangar server, so the server itself never forks. fork() copies the page
// tables of the forking process and stops its event loop meanwhile: 15 ms
// for a 300 MB server, 40 ms and more for 1 GB, on every agent start and
// every git run. This process stays small, so a fork here costs ~1 ms and
// blocks nobody.
//
// Protocol (Node IPC, JSON), see ../src/sandbox/spawner.ts:
//   server → zygote  { type: 'spawn', id, token, socket, file, args, env, cwd, detached, stdio }
//   zygote → server  { type: 'spawned', id, pid } | { type: 'failed', id, code, message }
//                    { type: 'exit', id, code, signal }
//   server → zygote  { type: 'kill', id, signal }
// `stdio` says what each of the command's descriptors 0, 1, 2... is:
// 'pipe', 'ignore', or { file, flags } (a file the zygote opens, mode 0600).
// For each 'pipe' the zygote connects a Unix socket to the server's private
// socket path and writes `token` + the descriptor's digit on it, then gives
// them to the command and closes its own copies: the command's output goes
// straight to the server (and what the server writes, to the command).
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';

/** O_CLOEXEC in the octal `flags:` of /proc/self/fdinfo/<fd>. */
const O_CLOEXEC = 0o2000000;

/**
 * Descriptors this process inherited without close-on-exec (from the
 * server, which got them from its shell or supervisor; Node marks only the
 * first ones at start) would pass to every command it starts, sandboxes
 * included: closed first. Node's own are close-on-exec; the IPC channel
 * to the server is kept.
 */
function closeInheritedDescriptors() {
  const channel = Number(process.env.NODE_CHANNEL_FD);
  for (const name of readdirSync('/proc/self/fd')) {
    const fd = Number(name);
    if (fd <= 2 || fd === channel) continue;
    try {
      const flags = /^flags:\s+([0-7]+)$/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'))?.[1];
      if (flags !== undefined && (Number.parseInt(flags, 8) & O_CLOEXEC) === 0) closeSync(fd);
    } catch {
      // the directory's own descriptor, closed meanwhile
    }
  }
}
closeInheritedDescriptors();

/** @type {Map<number, import('node:child_process').ChildProcess>} */
const children = new Map();

/** @param {object} message */
const send = (message) => {
  if (process.connected) process.send(message);
};

/**
 * @param {string} path
 * @param {string} header
 * @returns {Promise<import('node:net').Socket>}
 */
const connectStdio = (path, header) =>
  new Promise((resolve, reject) => {
    const socket = connect({ path });
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.pause(); // what the server writes (stdin) is the command's to read
      socket.write(header, (error) => (error ? reject(error) : resolve(socket)));
    });
  });

/** @param {any} request */
async function start(request) {
  /** @type {(string | { file: string, flags: string })[]} */
  const plan = request.stdio ?? ['pipe', 'pipe', 'pipe'];
  /** @type {import('node:net').Socket[]} */
  const sockets = [];
  /** @type {number[]} */
  const files = [];
  const settled = await Promise.allSettled(
    plan.map(async (entry, fd) => {
      if (entry === 'ignore') return 'ignore';
      if (entry === 'pipe') {
        const socket = await connectStdio(request.socket, `${request.token}${fd}`);
        sockets.push(socket);
        // libuv makes 0-2 blocking in the child, not the others: a command reading one (bwrap's
        // --userns-block-fd) would get EAGAIN instead of waiting. Ours is closed right after the spawn.
        if (fd > 2) /** @type {any} */ (socket)._handle?.setBlocking?.(true);
        return socket;
      }
      const opened = openSync(entry.file, entry.flags, 0o600);
      files.push(opened);
      return opened;
    }),
  );
  const failure = settled.find((result) => result.status === 'rejected');
  if (failure) {
    for (const socket of sockets) socket.destroy();
    for (const fd of files) closeSync(fd);
    send({ type: 'failed', id: request.id, code: 'ESTDIO', message: String(failure.reason) });
    return;
  }
  const stdio = settled.map((result) => /** @type {PromiseFulfilledResult<any>} */ (result).value);
  const child = spawn(request.file, request.args, {
    env: request.env,
    cwd: request.cwd,
    detached: request.detached,
    stdio,
  });
  // The command holds the sockets now; closing these copies (never end()) leaves them open for it.
  for (const socket of sockets) socket.destroy();
  for (const fd of files) closeSync(fd);
  child.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
    if (child.pid === undefined)
      send({ type: 'failed', id: request.id, code: error.code, message: error.message });
  });
  child.once('spawn', () => {
    children.set(request.id, child);
    send({ type: 'spawned', id: request.id, pid: child.pid });
  });
  child.once('exit', (code, signal) => {
    children.delete(request.id);
    if (child.pid !== undefined) send({ type: 'exit', id: request.id, code, signal });
  });
}

process.on('message', (/** @type {any} */ message) => {
  if (message?.type === 'spawn') void start(message);
  else if (message?.type === 'kill') {
    try {
      children.get(message.id)?.kill(message.signal);
    } catch {
      // gone meanwhile: its exit is on its way
    }
  }
});
// The server went away (killed, say): nothing is left to report to. Its socket directory
// (argv[2], made by the server for this zygote) goes too, or it would be left behind.
process.on('disconnect', () => {
  const directory = process.argv[2];
  if (directory && /(^|\/)hangar-spawner-[^/]+$/.test(directory))
    rmSync(directory, { recursive: true, force: true });
  process.exit(0);
});
