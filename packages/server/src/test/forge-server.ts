import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export type Handler = (req: RecordedRequest, match: RegExpExecArray) => { status: number; body: unknown };

/** A JSON HTTP server on a random loopback port that records what it is asked, for forge fakes. */
export class ScriptedJsonServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: [string, RegExp, Handler][] = [];
  private server: Server | undefined;

  route(method: string, pattern: RegExp, handler: Handler): void {
    this.routes.push([method, pattern, handler]);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString();
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: text ? (JSON.parse(text) as unknown) : undefined,
    };
    this.requests.push(recorded);
    const path = recorded.path.split('?')[0]!;
    for (const [method, pattern, handler] of this.routes) {
      const match = pattern.exec(path);
      if (method !== recorded.method || !match) continue;
      const { status, body } = handler(recorded, match);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }));
  }
}
