import type { ClientFrame, ServerFrame, Terminal } from '@hangar/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TerminalSocket, type ConnectionStatus } from './terminal-socket';

/** Just enough of a browser WebSocket to drive TerminalSocket by hand. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: ClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text) as ClientFrame);
  }
  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }
  open(): void {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  receive(data: ServerFrame | ArrayBuffer): void {
    this.onmessage?.({ data: data instanceof ArrayBuffer ? data : JSON.stringify(data) });
  }
  drop(): void {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.();
  }
}

const terminal: Terminal = {
  id: 't1',
  workspaceId: 'w1',
  name: 'Terminal 1',
  command: null,
  state: 'running',
  exitCode: null,
  cols: 80,
  rows: 24,
  createdBy: null,
  createdAt: new Date(0).toISOString(),
};
const snapshot: ServerFrame = { type: 'snapshot', data: '$ ', cols: 80, rows: 24, readOnly: false, terminal };

function setup() {
  const statuses: ConnectionStatus[] = [];
  const frames: ServerFrame[] = [];
  const pending: (() => void)[] = [];
  const socket = new TerminalSocket('ws://hangar.test/ws', {
    output: (_data, done) => pending.push(done),
    frame: (frame) => frames.push(frame),
    status: (status) => statuses.push(status),
  });
  socket.open();
  const current = () => FakeSocket.all.at(-1)!;
  return { socket, statuses, frames, pending, current };
}

describe('TerminalSocket', () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.useFakeTimers();
    vi.stubGlobal('WebSocket', FakeSocket);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('acknowledges output once processed, ignoring output from before a reconnect', () => {
    const { pending, current } = setup();
    current().open();
    current().receive(snapshot);
    current().receive(new ArrayBuffer(6000));
    expect(current().sent).toEqual([]);
    pending.shift()!();
    expect(current().sent).toEqual([{ type: 'ack', bytes: 6000 }]);

    current().receive(new ArrayBuffer(100));
    current().drop();
    vi.advanceTimersByTime(600);
    current().open();
    pending.shift()!(); // processed after the old socket went away
    vi.advanceTimersByTime(1000);
    expect(current().sent).toEqual([]);
  });

  it('acknowledges a small remainder once output goes quiet', () => {
    const { pending, current } = setup();
    current().open();
    current().receive(snapshot);
    current().receive(new ArrayBuffer(300));
    pending.shift()!();
    expect(current().sent).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(current().sent).toEqual([{ type: 'ack', bytes: 300 }]);
  });

  it('reconnects with growing delays, and starts over after a snapshot', () => {
    const { statuses, current } = setup();
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    current().drop();
    expect(statuses).toEqual(['reconnecting']);
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    current().drop();
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    current().open();
    current().receive(snapshot);
    expect(statuses.at(-1)).toBe('connected');
    current().drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it('reconnects when a ping goes unanswered', () => {
    const { statuses, current } = setup();
    current().open();
    current().receive(snapshot);
    vi.advanceTimersByTime(20_000);
    expect(current().sent).toEqual([{ type: 'ping', id: '1' }]);
    vi.advanceTimersByTime(10_000);
    expect(statuses.at(-1)).toBe('reconnecting');
    expect(FakeSocket.all[0]!.readyState).toBe(FakeSocket.CLOSED);
  });

  it('stops after the process exits or the server refuses', () => {
    for (const last of [
      { type: 'exit', exitCode: 0 },
      { type: 'error', id: 'forbidden', message: 'No.', fatal: true },
    ] satisfies ServerFrame[]) {
      FakeSocket.all = [];
      const { statuses, frames, current } = setup();
      current().open();
      current().receive(last);
      current().drop();
      vi.advanceTimersByTime(10_000);
      expect(FakeSocket.all).toHaveLength(1);
      expect(statuses).toEqual(['ended']);
      expect(frames).toEqual([last]);
    }
  });

  it('closes for good, and sends nothing while disconnected', () => {
    const { socket, current } = setup();
    expect(socket.send({ type: 'input', data: 'x' })).toBe(false);
    current().open();
    socket.input('ls\r');
    expect(current().sent).toEqual([{ type: 'input', data: 'ls\r' }]);
    socket.close();
    expect(current().readyState).toBe(FakeSocket.CLOSED);
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
