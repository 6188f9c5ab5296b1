import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface GitHttpRequest {
  method: string;
  path: string;
  authorization: string | undefined;
}

/**
 * A git smart-HTTP remote for tests: `git http-backend` (CGI) over repositories
 * under `root`, as a code host serves them. Reads are anonymous (a public
 * repository); pushes need `Authorization: Basic` with one of `tokens`.
 */
export class GitHttpServer {
  readonly requests: GitHttpRequest[] = [];
  private server: Server | undefined;

  constructor(
    private readonly root: string,
    /** Accepted passwords (tokens) for pushes, any username. */
    readonly tokens: Set<string>,
    /** The address to listen on (a sandbox with network full reaches the host's own address), and HTTPS. */
    private readonly options: { address?: string; tls?: { key: string; cert: string } } = {},
  ) {}

  get host(): string {
    return `${this.options.address ?? '127.0.0.1'}:${(this.server!.address() as AddressInfo).port}`;
  }

  url(path: string): string {
    return `${this.options.tls ? 'https' : 'http'}://${this.host}/${path}`;
  }

  async start(): Promise<this> {
    const handler: RequestListener = (req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      this.requests.push({
        method: req.method ?? '',
        path: url.pathname + url.search,
        authorization: req.headers.authorization,
      });
      const push =
        url.searchParams.get('service') === 'git-receive-pack' || url.pathname.endsWith('/git-receive-pack');
      const user = this.user(req);
      if (push && !user) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end('authentication required');
        return;
      }
      const cgi = spawn('git', ['http-backend'], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          GIT_PROJECT_ROOT: this.root,
          GIT_HTTP_EXPORT_ALL: '1',
          GIT_CONFIG_NOSYSTEM: '1',
          GIT_CONFIG_GLOBAL: '/dev/null',
          REQUEST_METHOD: req.method ?? 'GET',
          PATH_INFO: decodeURIComponent(url.pathname),
          QUERY_STRING: url.search.slice(1),
          CONTENT_TYPE: req.headers['content-type'] ?? '',
          ...(req.headers['content-encoding'] && { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }),
          ...(req.headers['git-protocol'] && { GIT_PROTOCOL: String(req.headers['git-protocol']) }),
          ...(user && { REMOTE_USER: user }),
          REMOTE_ADDR: '127.0.0.1',
        },
      });
      req.pipe(cgi.stdin);
      const chunks: Buffer[] = [];
      cgi.stdout.on('data', (c: Buffer) => chunks.push(c));
      cgi.on('close', () => {
        const out = Buffer.concat(chunks);
        const split = out.indexOf('\r\n\r\n');
        const head = out.subarray(0, split).toString();
        const headers: Record<string, string> = {};
        let status = 200;
        for (const line of head.split('\r\n')) {
          const [name = '', ...rest] = line.split(':');
          const value = rest.join(':').trim();
          if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
          else if (name) headers[name] = value;
        }
        res.writeHead(status, headers).end(out.subarray(split + 4));
      });
    };
    this.server = this.options.tls ? createTlsServer(this.options.tls, handler) : createServer(handler);
    await new Promise<void>((resolve) =>
      this.server!.listen(0, this.options.address ?? '127.0.0.1', resolve),
    );
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private user(req: IncomingMessage): string | undefined {
    const match = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return undefined;
    const [user = '', ...rest] = Buffer.from(match[1]!, 'base64').toString().split(':');
    return this.tokens.has(rest.join(':')) ? user : undefined;
  }
}
