import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { openPtyInSandbox, spawnInSandbox } from '../../sandbox/exec.js';
import type { Kubelet } from './kubelet.js';
import { badRequest, type KubeStatus } from './status.js';

/**
 * pods/exec and pods/attach over WebSocket, as the API server proxies them from the kubelet
 * (k8s.io/apimachinery/pkg/util/httpstream/wsstream and the kubelet's remotecommand):
 * every message starts with its channel byte, 0 stdin, 1 stdout, 2 stderr, 3 the final
 * Status, 4 resize (`{"Width":…,"Height":…}`), and in v5 255 closes a stream (`[255, 0]`: end
 * of stdin). The subprotocol is the first one the client offers that is served here.
 */
const PROTOCOLS = [
  'v5.channel.k8s.io',
  'v4.channel.k8s.io',
  'v4.base64.channel.k8s.io',
  'channel.k8s.io',
  'base64.channel.k8s.io',
];
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const RESIZE = 4;
const CLOSE = 255;

export interface StreamRequest {
  kind: 'exec' | 'attach';
  namespace: string;
  name: string;
  query: URLSearchParams;
}

interface Channel {
  send(channel: number, data: Buffer | string): void;
  finish(status: Omit<KubeStatus, 'kind' | 'apiVersion' | 'code'> & { code?: number }): void;
}

export class StreamServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => [...offered].find((p) => PROTOCOLS.includes(p)) ?? false,
  });

  constructor(private readonly kubelet: Kubelet) {}

  /** Checks the request (pod, container, flags) and upgrades it; a refused one is answered with a Status, as by the API server. */
  async upgrade(request: StreamRequest, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const flag = (name: string) => ['true', '1'].includes(request.query.get(name) ?? '');
    const tty = flag('tty');
    const io = { stdin: flag('stdin'), stdout: flag('stdout'), stderr: flag('stderr') && !tty };
    const command = request.query.getAll('command');
    if (request.kind === 'exec' && command.length === 0)
      throw badRequest('you must specify at least 1 command');
    if (!io.stdin && !io.stdout && !flag('stderr'))
      throw badRequest('you must specify at least one of stdin, stdout, stderr');
    const target = await this.kubelet.target(request.namespace, request.name, request.query.get('container'));
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const channel = channelOf(ws);
      // The kubelet's first frame: an empty one on the lowest output channel, to say the streams are ready.
      if (io.stdout) channel.send(STDOUT, Buffer.alloc(0));
      else if (io.stderr) channel.send(STDERR, Buffer.alloc(0));
      if (request.kind === 'exec') void this.exec(ws, channel, target, command, tty, io);
      else this.attach(ws, channel, target.process, io);
    });
  }

  close(): void {
    for (const client of this.wss.clients) client.terminate();
    this.wss.close();
  }

  private async exec(
    ws: WebSocket,
    channel: Channel,
    target: Awaited<ReturnType<Kubelet['target']>>,
    command: string[],
    tty: boolean,
    io: { stdin: boolean; stdout: boolean; stderr: boolean },
  ): Promise<void> {
    const early: Buffer[] = [];
    let size: { cols: number; rows: number } | undefined;
    let write: (data: Buffer) => void = (data) => early.push(data);
    let endInput: () => void = () => undefined;
    let resize: (cols: number, rows: number) => void = (cols, rows) => {
      size = { cols, rows };
    };
    let kill: () => void = () => undefined;
    let ended = false;
    let inputClosed = false;
    ws.on('message', (message: Buffer) =>
      onInput(ws, message, {
        write: (d) => write(d),
        end: () => {
          inputClosed = true;
          endInput();
        },
        resize: (c, r) => resize(c, r),
      }),
    );
    ws.on('close', () => !ended && kill());
    const options = { command, env: target.env, cwd: target.container.workingDir ?? '/' };
    let exitCode: number;
    let exit: Promise<number>;
    try {
      if (tty) {
        const terminal = await openPtyInSandbox(
          target.driver,
          target.spec,
          { ...options, pty: size ?? { cols: 80, rows: 24 } },
          null,
        );
        terminal.onData((data) => io.stdout && channel.send(STDOUT, Buffer.from(data as unknown as Buffer)));
        write = (data) => terminal.write(data.toString('utf8'));
        endInput = () => terminal.write('\x04');
        resize = (cols, rows) => terminal.resize(cols, rows);
        kill = () => terminal.kill('SIGKILL');
        if (size) terminal.resize(size.cols, size.rows);
        exit = new Promise<number>((resolve) =>
          terminal.onExit(({ exitCode: code, signal }) => resolve(signal ? 128 + signal : code)),
        ).then(async (code) => {
          // node-pty may report the exit before the terminal's last output: let that arrive first.
          await new Promise((resolve) => setTimeout(resolve, 50));
          return code;
        });
      } else {
        const child = await spawnInSandbox(target.driver, target.spec, options);
        child.stdout?.on('data', (data: Buffer) => io.stdout && channel.send(STDOUT, data));
        child.stderr?.on('data', (data: Buffer) => io.stderr && channel.send(STDERR, data));
        child.stdin?.on('error', () => undefined);
        write = (data) => {
          child.stdin?.write(data);
        };
        endInput = () => {
          child.stdin?.end();
        };
        kill = () => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        };
        exit = new Promise((resolve, reject) => {
          child.once('error', reject);
          child.once('close', (code: number | null, signal: NodeJS.Signals | null) =>
            resolve(code ?? (signal === 'SIGKILL' ? 137 : 143)),
          );
        });
      }
      for (const data of early.splice(0)) write(data);
      if (!io.stdin || inputClosed) endInput();
      exitCode = await exit;
    } catch (error) {
      ended = true;
      channel.finish({
        metadata: {},
        status: 'Failure',
        message: `Internal error occurred: error executing command in container: ${error instanceof Error ? error.message : String(error)}`,
        reason: 'InternalError',
        code: 500,
      });
      return;
    }
    ended = true;
    if (exitCode === 0) channel.finish({ metadata: {}, status: 'Success' });
    else
      channel.finish({
        metadata: {},
        status: 'Failure',
        // The kubelet's words around containerd's exit error.
        message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
      });
  }

  private attach(
    ws: WebSocket,
    channel: Channel,
    process: Awaited<ReturnType<Kubelet['target']>>['process'],
    io: { stdin: boolean; stdout: boolean; stderr: boolean },
  ): void {
    const forward = (stream: number, data: Buffer) => {
      if ((stream === STDOUT && io.stdout) || (stream === STDERR && io.stderr)) channel.send(stream, data);
    };
    process.on('data', forward);
    ws.on('message', (message: Buffer) =>
      onInput(ws, message, {
        write: (data) => io.stdin && process.write(data),
        end: () => io.stdin && process.closeInput(),
        resize: (cols, rows) => process.resize(cols, rows),
      }),
    );
    ws.on('close', () => process.off('data', forward));
    void process.exited.then(() => {
      process.off('data', forward);
      channel.finish({ metadata: {}, status: 'Success' });
    });
  }
}

function onInput(
  ws: WebSocket,
  message: Buffer,
  to: { write(data: Buffer): void; end(): void; resize(cols: number, rows: number): void },
): void {
  const base64 = ws.protocol.includes('base64');
  if (message.length === 0) return;
  const channel = base64 ? message[0]! - 48 : message[0]!;
  const data = base64 ? Buffer.from(message.subarray(1).toString(), 'base64') : message.subarray(1);
  if (channel === STDIN) to.write(data);
  else if (channel === RESIZE) {
    try {
      // Go's JSON decoding matches field names case-insensitively: {"Width":…} and {"width":…} both work.
      const size = Object.fromEntries(
        Object.entries(JSON.parse(data.toString()) as object).map(([k, v]) => [k.toLowerCase(), v]),
      ) as { width?: number; height?: number };
      if (size.width && size.height) to.resize(size.width, size.height);
    } catch {
      // A malformed resize is ignored, as the kubelet logs and ignores it.
    }
  } else if (channel === CLOSE && ws.protocol === 'v5.channel.k8s.io' && data[0] === STDIN) to.end();
}

function channelOf(ws: WebSocket): Channel {
  const base64 = ws.protocol.includes('base64');
  const versioned = ws.protocol.startsWith('v4') || ws.protocol.startsWith('v5');
  const send = (channel: number, data: Buffer | string) => {
    if (ws.readyState !== ws.OPEN) return;
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data);
    if (base64) ws.send(String.fromCharCode(48 + channel) + bytes.toString('base64'));
    else ws.send(Buffer.concat([Buffer.from([channel]), bytes]));
  };
  return {
    send,
    finish(status) {
      // v4 and v5 send the Status as JSON; the first protocols only a failure's message, as text.
      if (versioned) send(ERROR, JSON.stringify(status));
      else if (status.status === 'Failure') send(ERROR, status.message ?? '');
      ws.close(1000);
    },
  };
}
