import type { ClientFrame, ServerFrame, Terminal } from '@hangar/protocol';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { bindTerminal, type TerminalViewState } from './bind-terminal';
import type { Xterm } from './use-xterm';

/** Just enough of a browser WebSocket for bindTerminal's socket. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 3;
  static last: FakeSocket | undefined;
  readyState = FakeSocket.CONNECTING;
  binaryType = 'blob';
  sent: ClientFrame[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.last = this;
  }
  send(text: string): void {
    this.sent.push(JSON.parse(text) as ClientFrame);
  }
  close(): void {
    this.readyState = FakeSocket.CLOSED;
  }
  receive(frame: ServerFrame): void {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

/** An xterm.js stand-in: writes complete at once; the container fits `fits` columns and rows. */
function fakeXterm(fits: { cols: number; rows: number }) {
  let typed: (data: string) => void = () => undefined;
  const term = {
    cols: 80,
    rows: 24,
    options: {} as Record<string, unknown>,
    write: (_data: string, done?: () => void) => done?.(),
    reset: () => undefined,
    resize(cols: number, rows: number) {
      term.cols = cols;
      term.rows = rows;
    },
    onData: (listener: (data: string) => void) => {
      typed = listener;
      return { dispose: () => undefined };
    },
  };
  const xterm = { term, fit: { proposeDimensions: () => fits }, search: {} } as unknown as Xterm;
  return { xterm, type: (data: string) => typed(data) };
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

function setup(fits: { cols: number; rows: number }) {
  const { xterm, type } = fakeXterm(fits);
  const container = { dataset: {} as Record<string, string> } as unknown as HTMLElement;
  let state: Partial<TerminalViewState> = {};
  const bound = bindTerminal(xterm, container, {
    url: 'ws://hangar.test/ws',
    readOnly: false,
    onChange: (patch) => (state = { ...state, ...patch }),
  });
  const socket = FakeSocket.last!;
  socket.readyState = FakeSocket.OPEN;
  socket.onopen?.();
  return { bound, socket, type, container, state: () => state };
}

describe('bindTerminal', () => {
  beforeEach(() => {
    vi.stubGlobal('WebSocket', FakeSocket);
    vi.stubGlobal(
      'ResizeObserver',
      class {
        observe() {}
        disconnect() {}
      },
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it('shows a wider terminal at its own size, offers "Fit to me", and never resizes by typing', () => {
    const { bound, socket, type, container, state } = setup({ cols: 40, rows: 30 });
    socket.receive({ type: 'snapshot', data: '$ ', cols: 120, rows: 30, readOnly: false, terminal });
    expect(container.dataset).toMatchObject({ cols: '120', rows: '30' });
    expect(state().misfit).toBe(true);
    type('ls\r');
    expect(socket.sent.filter((frame) => frame.type === 'fit')).toEqual([]);

    bound.fitToMe();
    expect(socket.sent.at(-1)).toEqual({ type: 'fit', cols: 40, rows: 30 });
    socket.receive({ type: 'resize', cols: 40, rows: 30 });
    expect(state().misfit).toBe(false);
    bound.close();
  });

  it('takes the server refusing an exited terminal as its exit, not as an error to reconnect after', () => {
    const { bound, socket, state } = setup({ cols: 80, rows: 24 });
    socket.receive({
      type: 'error',
      id: 'terminal_exited',
      message: 'This terminal has exited: open a new one.',
      fatal: true,
    });
    socket.onclose?.();
    expect(state()).toMatchObject({ exit: { code: null }, status: 'ended' });
    expect(state().error).toBeUndefined();
    bound.close();
  });
});
