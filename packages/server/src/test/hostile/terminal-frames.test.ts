import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupAdmin, startTestServer, type TestClient, type TestServer } from '../server.js';
import { TerminalClient } from '../terminal-client.js';
import { createWorkspace } from '../workspaces.js';
import { bwrapMissing } from '../requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

const SEED = Number(process.env.HANGAR_FUZZ_SEED ?? Date.now() % 1_000_000);
const ANSWER_WITHIN_MS = 5_000;

/**
 * Malformed frames on the terminal WebSocket, at the JSON level (through a
 * real client) and at the WebSocket protocol level (raw bytes on the TCP
 * connection): each either gets an answer (an error frame, a close) or
 * leaves the socket working (a ping still gets its pong) within
 * ANSWER_WITHIN_MS; another viewer of the same terminal types on throughout.
 */
describe.skipIf(bwrapMissing)('hostile terminal WebSocket frames', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-frames-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(1_800_000 + Math.floor(Math.random() * 900) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;
  let terminalId: string;
  let bystander: TerminalClient;
  let tried = 0;

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'frames' });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id;
    const term = await admin.post(`/api/workspaces/${workspaceId}/terminals`, { name: 'main' });
    expect(term.status).toBe(201);
    terminalId = term.body.id;
    bystander = await TerminalClient.open(admin, workspaceId, terminalId);
  }, 60_000);

  afterAll(async () => {
    console.log(`fuzz cases tried: ${tried} (terminal WebSocket frames, seed ${SEED})`);
    bystander?.close();
    if (workspaceId) await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'frames' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const stillTyping = async (n: number) => {
    // Ctrl-U first: a valid input frame among the hostile ones may have left bytes on the line.
    bystander.type(`\x15echo alive-$((${n}+1))\r`);
    await bystander.waitFor(new RegExp(`^alive-${n + 1}$`, 'm'));
  };

  it('answers malformed JSON frames, or stays usable, and never hangs', async () => {
    const random = fc.sample(fc.jsonValue({ maxDepth: 3 }), { numRuns: 20, seed: SEED });
    const frames: string[] = [
      '',
      'null',
      '[]',
      '{"type":"input"}',
      '{"type":"input","data":"a","extra":1}',
      JSON.stringify({ type: 'input', data: 'x'.repeat(64 * 1024) }),
      JSON.stringify({ type: 'resize', cols: 0, rows: 0 }),
      JSON.stringify({ type: 'resize', cols: 1e9, rows: -1 }),
      JSON.stringify({ type: 'resize', cols: 1.5, rows: 'x' }),
      JSON.stringify({ type: 'ack', bytes: -1 }),
      JSON.stringify({ type: 'ack', bytes: 2 ** 31 }),
      JSON.stringify({ type: 'ack', bytes: 1e308 }),
      JSON.stringify({ type: 'ping', id: 'x'.repeat(1000) }),
      JSON.stringify({ type: 'ping', id: { nested: true } }),
      '{"__proto__":{"type":"input","data":"id\\r"}}',
      '{"type":"ping","constructor":{"prototype":{"polluted":1}}}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
      '{"type":"input","data":"\\ud800\\u2028\\u0000"}',
      'x'.repeat(5 * 1024 * 1024),
      ...random.map((value) => JSON.stringify(value) ?? 'null'),
    ];
    for (const [i, frame] of frames.entries()) {
      const viewer = await TerminalClient.open(admin, workspaceId, terminalId);
      try {
        viewer.socket.send(frame);
        viewer.send({ type: 'ping', id: `probe-${i}` });
        await answered(viewer, `probe-${i}`, frame);
        tried++;
      } finally {
        viewer.close();
      }
      if (i % 10 === 0) await stillTyping(i);
    }
    // Each of the kinds of frame answered as the protocol says, not just "somehow".
    const binary = await TerminalClient.open(admin, workspaceId, terminalId);
    binary.socket.send(Buffer.from([0xff, 0x00, 0x01]));
    expect((await binary.waitFrame('error')).id).toBe('bad_frame');
    await binary.waitClosed();
    tried++;
    await stillTyping(1000);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }, 120_000);

  it('closes connections that break the WebSocket protocol itself, and lives on', async () => {
    const masked = (opcode: number, payload: Buffer, first = 0x80) =>
      frameBytes(first | opcode, payload, true);
    const cases: [string, Buffer][] = [
      ['unmasked client frame', frameBytes(0x81, Buffer.from('{"type":"ping"}'), false)],
      ['reserved opcode 3', masked(0x3, Buffer.from('x'))],
      ['RSV1 without an extension', masked(0x1, Buffer.from('{}'), 0xc0)],
      ['ping longer than 125 bytes', masked(0x9, Buffer.alloc(200, 0x61))],
      ['fragmented ping', masked(0x9, Buffer.from('x'), 0x00)],
      ['continuation without a start', masked(0x0, Buffer.from('x'))],
      ['text frame of invalid UTF-8', masked(0x1, Buffer.from([0xc0, 0xaf, 0xff]))],
      [
        'length of 2^63-1 announced',
        Buffer.from([0x81, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      ],
      ['close with a bad code', masked(0x8, Buffer.from([0x03, 0xe7]))],
      ['truncated header', Buffer.from([0x81])],
      ['random bytes', randomBytes(512)],
    ];
    for (const [label, bytes] of cases) {
      const socket = await rawWebSocket(server.url, admin, workspaceId, terminalId);
      socket.write(bytes);
      if (label === 'truncated header') socket.end(); // the server then sees the connection end mid-frame
      await closedWithin(socket, ANSWER_WITHIN_MS, label);
      tried++;
    }
    await stillTyping(2000);
    expect((await server.client().get('/api/health')).status).toBe(200);
  }, 120_000);
});

/** Waits for the probe's pong, or for the socket to close (after an error frame or not). */
async function answered(viewer: TerminalClient, probe: string, frame: string): Promise<void> {
  const deadline = Date.now() + ANSWER_WITHIN_MS;
  const what = `${frame.slice(0, 80)}${frame.length > 80 ? `… (${frame.length} chars)` : ''}`;
  while (!viewer.closed && !viewer.frames.some((f) => f.type === 'pong' && f.id === probe)) {
    if (Date.now() > deadline) throw new Error(`no answer within ${ANSWER_WITHIN_MS} ms to ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const fatal = viewer.frames.find((f) => f.type === 'error');
  if (viewer.closed && viewer.closed.code === 1006 && !fatal) {
    throw new Error(`the server dropped the connection without a close frame after ${what}`);
  }
}

/** One WebSocket frame: header, optional mask, payload (masked when asked). */
function frameBytes(first: number, payload: Buffer, mask: boolean): Buffer {
  const length =
    payload.length < 126
      ? Buffer.from([payload.length | (mask ? 0x80 : 0)])
      : Buffer.from([126 | (mask ? 0x80 : 0), payload.length >> 8, payload.length & 0xff]);
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = mask ? Buffer.from(payload.map((b, i) => b ^ key[i % 4]!)) : payload;
  return Buffer.concat([Buffer.from([first]), length, key, body]);
}

/** Opens the terminal's WebSocket by hand (HTTP upgrade on a TCP socket) and resolves after the 101. */
async function rawWebSocket(baseUrl: string, client: TestClient, workspaceId: string, terminalId: string) {
  const url = new URL(baseUrl);
  const socket = tcpConnect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.write(
    [
      `GET /api/workspaces/${workspaceId}/terminals/${terminalId}/ws HTTP/1.1`,
      `Host: ${url.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Origin: ${baseUrl}`,
      `Cookie: ${client.cookie}`,
      '',
      '',
    ].join('\r\n'),
  );
  await new Promise<void>((resolve, reject) => {
    let head = '';
    const onData = (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      if (head.startsWith('HTTP/1.1 101')) resolve();
      else reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`));
    };
    socket.on('data', onData);
  });
  socket.on('data', () => undefined); // frames the server sends (snapshot, close): drained
  socket.on('error', () => undefined);
  return socket;
}

function closedWithin(socket: Socket, ms: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (socket.closed) return resolve();
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open ${ms} ms after: ${label}`));
    }, ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
