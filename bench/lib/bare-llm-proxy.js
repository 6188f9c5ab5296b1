// Context for the llm-proxy suite: the least a Node proxy hop can do, built
// the way Hangar's proxy forwards (fetch upstream, write each chunk read to
// the client) but with no token check, budget, metering or usage parsing.
// `node bare-llm-proxy.js UPSTREAM`: POST /llm/<name>/<path> goes to
// UPSTREAM/<path>; GET /api/health answers 200. Loopback only.
import { createServer } from 'node:http';

const upstream = new URL(process.argv[2] ?? '');
if (!['127.0.0.1', 'localhost', '[::1]'].includes(upstream.hostname)) {
  throw new Error(`refusing a non-loopback upstream: ${upstream.host}`);
}
/** Request headers not forwarded: hop-by-hop ones, and those fetch sets itself. */
const DROP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/health') return void res.writeHead(200).end();
  const match = /^\/llm\/[^/]+(\/.*)$/.exec(req.url ?? '');
  if (!match) return void res.writeHead(404).end();
  /** @type {Buffer[]} */
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.once('end', () => {
    forward(req, res, new URL(/** @type {string} */ (match[1]), upstream), Buffer.concat(chunks)).catch(
      (/** @type {unknown} */ error) => {
        if (!res.headersSent) res.writeHead(502);
        res.end(String(error));
      },
    );
  });
});

/**
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {URL} url
 * @param {Buffer} body
 */
async function forward(req, res, url, body) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !DROP.has(name))
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const answer = await fetch(url, { method: req.method ?? 'POST', headers, body: new Uint8Array(body) });
  /** @type {Record<string, string>} */
  const out = {};
  answer.headers.forEach((value, name) => {
    if (!['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name))
      out[name] = value;
  });
  res.writeHead(answer.status, out);
  if (answer.body) for await (const chunk of answer.body) res.write(chunk);
  res.end();
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = address && typeof address === 'object' ? address.port : 0;
  console.log(`listening on http://127.0.0.1:${port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
