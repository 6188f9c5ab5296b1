import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMember,
  setupAdmin,
  startTestServer,
  type TestClient,
  type TestServer,
} from '../test/server.js';
import { TerminalClient } from '../test/terminal-client.js';
import { createWorkspace } from '../test/workspaces.js';
import { FRAME_INTERVAL_MS, FRAME_MAX_BYTES } from './session.js';
import { bwrapMissing } from '../test/requirements.js';

if (bwrapMissing && process.env.CI === 'true')
  throw new Error('CI requires bubblewrap: run scripts/setup-test-env.sh');

describe.skipIf(bwrapMissing)('terminals in a bubblewrap sandbox', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'hangar-terminals-'));
  const env = {
    HANGAR_DEFAULT_TEMPLATE: 'offline',
    HANGAR_SANDBOX_UID_BASE: String(700_000 + Math.floor(Math.random() * 1000) * 100),
    HANGAR_SANDBOX_UID_COUNT: '100',
  };
  let server: TestServer;
  let admin: TestClient;
  let workspaceId: string;
  const open: TerminalClient[] = [];
  const connect = async (client: TestClient, terminalId: string, options = {}) => {
    const viewer = await TerminalClient.open(client, workspaceId, terminalId, options);
    open.push(viewer);
    return viewer;
  };
  const newTerminal = async (body: Record<string, unknown> = {}) => {
    const res = await admin.post(`/api/workspaces/${workspaceId}/terminals`, body);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  beforeAll(async () => {
    server = await startTestServer({ dataDir, env });
    admin = await setupAdmin(server);
    const ws = await createWorkspace(admin, { name: 'term' });
    expect(ws.body.state).toBe('running');
    workspaceId = ws.body.id;
  });
  afterAll(async () => {
    for (const viewer of open) viewer.close();
    if (workspaceId) await admin?.request('DELETE', `/api/workspaces/${workspaceId}`, { confirm: 'term' });
    await server?.services.workspaces.settle();
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs a typed command and streams its output', async () => {
    const id = await newTerminal({ name: 'main' });
    const viewer = await connect(admin, id);
    viewer.type('echo $((6*7))\r');
    await viewer.waitFor(/^42$/m);
    expect((await admin.get(`/api/workspaces/${workspaceId}/terminals`)).body.terminals).toEqual([
      expect.objectContaining({ id, name: 'main', state: 'running', command: null }),
    ]);
  });

  it('takes the size a viewer asks for in the socket URL', async () => {
    const id = await newTerminal({ name: 'sized' });
    const viewer = await connect(admin, id, { size: { cols: 117, rows: 31 } });
    viewer.type('echo "size=$(tput cols)x$(tput lines)"\r');
    await viewer.waitFor(/^size=117x31$/m);
  });

  it('keeps its size when a smaller viewer types, and takes that viewer\'s size only on "fit to me"', async () => {
    const id = await newTerminal({ name: 'shared' });
    const desktop = await connect(admin, id, { size: { cols: 160, rows: 40 } });
    const phone = await connect(admin, id, { size: { cols: 42, rows: 20 } });
    phone.send({ type: 'resize', cols: 42, rows: 20 });
    phone.type('echo "size=$(tput cols)x$(tput lines)"\r');
    await phone.waitFor(/^size=160x40$/m);
    const sizes = (viewer: TerminalClient) =>
      viewer.frames.flatMap((frame) => (frame.type === 'resize' ? [`${frame.cols}x${frame.rows}`] : []));
    // The desktop took the size when it joined, and kept it.
    expect(sizes(desktop)).toEqual(['160x40']);

    // tmux resizes the pane a moment after its client: the shell says when it sees the new size.
    phone.type(`trap 'echo "fitted=$(tput cols)x$(tput lines)"' WINCH\r`);
    await phone.waitFor(/^hangar@.*\$ trap .*\n.*\$ $/m);
    phone.send({ type: 'fit', cols: 42, rows: 20 });
    await expect.poll(() => sizes(desktop)).toEqual(['160x40', '42x20']);
    await phone.waitFor(/fitted=42x20$/m);
  });

  it('restores the same screen to a viewer that reconnects', async () => {
    const id = await newTerminal();
    const first = await connect(admin, id);
    first.type('printf "alpha\\nbeta\\ngamma\\n"\r');
    // The prompt after gamma is the last thing drawn: snapshot only once it is there (not after a sleep).
    await first.waitFor(/^gamma\n.*\$\s*$/m);
    const before = await first.screenLines();
    first.close();
    const again = await connect(admin, id);
    expect(await again.screenLines()).toEqual(before);
    expect(before.join('\n')).toContain('gamma');
  });

  it('sends two viewers the same bytes', async () => {
    const id = await newTerminal();
    const a = await connect(admin, id, { keepChunks: true });
    const b = await connect(admin, id, { keepChunks: true });
    // A quiet shell (no prompt, no echo, no newline after the marker): once both show the marker,
    // nothing more is on its way to either, whatever the machine's load.
    a.type("PS1=''; stty -echo; printf 'SYNC-%s' $((40+2))\r");
    await a.waitFor(/^SYNC-42$/m);
    await b.waitFor(/^SYNC-42$/m);
    // From here on both are live: each must get every byte, in the same order.
    a.chunks.length = 0;
    b.chunks.length = 0;
    a.type('seq 1 300; echo END-OF-SEQ\r');
    await a.waitFor(/^END-OF-SEQ$/m);
    await b.waitFor(/^END-OF-SEQ$/m);
    await expect
      .poll(() => Buffer.concat(b.chunks).toString('latin1'))
      .toBe(Buffer.concat(a.chunks).toString('latin1'));
    expect(Buffer.concat(a.chunks).length).toBeGreaterThan(100);
  });

  it('sends streaming output in few frames: one per FRAME_INTERVAL_MS unless a frame fills up', async () => {
    const viewer = await connect(admin, await newTerminal(), { keepChunks: true });
    await new Promise((r) => setTimeout(r, 300));
    viewer.chunks.length = 0;
    const started = Date.now();
    viewer.type('head -c 15000000 /dev/zero | base64; echo DONE-$((6*7))\r');
    await viewer.waitFor(/^DONE-42$/m, 60_000);
    const elapsedMs = Date.now() - started;
    const bytes = viewer.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    // tmux writes thousands of tiny pieces meanwhile; each read used to be a frame of its own.
    // Timers have 1 ms granularity, so two timed frames can be FRAME_INTERVAL_MS - 1 apart.
    expect(viewer.chunks.length).toBeLessThanOrEqual(
      elapsedMs / (FRAME_INTERVAL_MS - 1) + bytes / FRAME_MAX_BYTES + 2,
    );
    expect(bytes).toBeGreaterThan(10_000);
  }, 90_000);

  it('refuses a viewer’s input with an error frame and never applies it', async () => {
    const bob = await createMember(server, admin, 'bob');
    const bobId = (await bob.get('/api/me')).body.user.id;
    await admin.request('PUT', `/api/workspaces/${workspaceId}/members/${bobId}`, { role: 'viewer' });
    const id = await newTerminal();
    const watcher = await connect(bob, id);
    expect((await watcher.waitFrame('snapshot')).readOnly).toBe(true);
    watcher.type('touch /workspace/written-by-viewer\r');
    const error = await watcher.waitFrame('error');
    expect(error).toMatchObject({ id: 'read_only', fatal: false });
    await new Promise((r) => setTimeout(r, 300));
    const check = await admin.post(`/api/workspaces/${workspaceId}/exec`, { command: ['ls', '/workspace'] });
    expect(check.body.stdout).not.toContain('written-by-viewer');
    expect((await bob.post(`/api/workspaces/${workspaceId}/terminals`, {})).status).toBe(403);
  });

  it('refuses sockets without credentials or from another origin', async () => {
    const id = await newTerminal();
    await expect(connect(server.client(), id)).rejects.toThrow(/401/);
    await expect(connect(admin, id, { origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('answers malformed and oversized frames with an error frame, closing only that socket', async () => {
    const id = await newTerminal();
    const bystander = await connect(admin, id);
    for (const [frame, errorId] of [
      ['not json', 'bad_frame'],
      [JSON.stringify({ type: 'input', data: 42 }), 'bad_frame'],
      [JSON.stringify({ type: 'launch-missiles' }), 'bad_frame'],
      [JSON.stringify({ type: 'input', data: 'x'.repeat(200_000) }), 'frame_too_large'],
    ] as const) {
      const victim = await connect(admin, id);
      victim.send(frame);
      expect((await victim.waitFrame('error')).id).toBe(errorId);
      await victim.waitClosed();
    }
    bystander.type('echo still-here\r');
    await bystander.waitFor(/^still-here$/m);
    expect(bystander.closed).toBeUndefined();
  });

  it('survives a 200 MB flood with bounded server memory while another terminal stays responsive', async () => {
    const flood = await connect(admin, await newTerminal({ name: 'flood' }), { keepText: false });
    const other = await connect(admin, await newTerminal({ name: 'other' }));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    // Responsive: answered while a flood runs. The first flood never ends by itself, so an answer
    // can only come during it (an ordering, not a time, and not a race with the flood's end).
    flood.type('yes hangar-flood-line\r');
    await waitScreen(flood, 'hangar-flood-line', 60_000);
    for (let i = 0; i < 5; i++) {
      other.type(`echo ping-${i}\r`);
      await other.waitFor(new RegExp(`^ping-${i}$`, 'm'), 60_000);
    }
    flood.type('\x03');
    // Then 200 MB through tmux, for the memory bound.
    flood.type('yes hangar-flood-line | head -c 200000000; echo; echo FLOOD-DONE\r');
    await waitScreen(flood, 'FLOOD-DONE', 120_000);
    clearInterval(sampler);
    // Bound: the mirror (5000 lines), per-viewer windows (~100 KB) and the WebSocket buffers; 150 MB leaves room for GC timing.
    expect(rssPeak - rssBefore).toBeLessThan(150 * 1024 * 1024);
  }, 180_000); // the flood's own waits allow 120 s: a loaded machine passes 200 MB through tmux slowly

  it('keeps the terminal and its shell state across a server restart', async () => {
    const id = await newTerminal({ name: 'durable' });
    const before = await connect(admin, id);
    before.type('export HANGAR_PROBE=still-set-$((40+2))\r');
    await new Promise((r) => setTimeout(r, 300));
    await server.stop();
    server = await startTestServer({ dataDir, env });
    admin = server.client();
    await admin.post('/api/auth/login', { username: 'ada', password: 'correct horse battery' });
    const after = await connect(admin, id);
    after.type('echo "$HANGAR_PROBE"\r');
    await after.waitFor(/^still-set-42$/m);
  });
});

/** Waits until the rendered screen (not the byte stream) shows the text. */
async function waitScreen(viewer: TerminalClient, text: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await viewer.screenLines()).join('\n').includes(text)) {
    if (Date.now() > deadline) throw new Error(`screen never showed ${text}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
