import { terminalSize } from '@hangar/protocol';
import { exitLine } from './frames';
import { TerminalSocket, type ConnectionStatus } from './terminal-socket';
import type { Xterm } from './use-xterm';

/** Wait for the container to stop changing size before asking for a new terminal size, in milliseconds. */
const RESIZE_DEBOUNCE_MS = 100;
/** DECTCEM off: nothing will be typed at an ended terminal's cursor. */
const HIDE_CURSOR = '\x1b[?25l';

export interface TerminalViewState {
  status: ConnectionStatus;
  readOnly: boolean;
  /** The server's last error message, until the next snapshot. */
  error: string | undefined;
  /** Set once the process ended; `code` is null when the server does not know it. */
  exit: { code: number | null } | undefined;
  /** The terminal's size differs from what fits this screen: "Fit to me" would change it. */
  misfit: boolean;
}

export interface BindOptions {
  url: string;
  readOnly: boolean;
  onChange(patch: Partial<TerminalViewState>): void;
  /** Rewrites typed input before it is sent (the extra-keys bar's sticky Ctrl). */
  transformInput?(data: string): string;
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export interface BoundTerminal {
  /** Disconnects for good. */
  close(): void;
  /** Asks the server to give the terminal this screen's size, for every viewer. */
  fitToMe(): void;
}

/**
 * Connects an xterm.js terminal to its WebSocket. The terminal always has the
 * PTY's size, which the server sets (from the viewer who holds it, see the
 * protocol); this side tells the server the size that fits its container, and
 * takes the size only when the person asks ("Fit to me"). A smaller screen
 * scrolls. Resets and resizes are queued behind output already being written,
 * so they apply in the order the server sent them.
 */
export function bindTerminal(
  { term, fit }: Xterm,
  container: HTMLElement,
  options: BindOptions,
): BoundTerminal {
  let readOnly = options.readOnly;
  let exited = false;
  let requested = '';
  let misfit = false;
  const inOrder = (action: () => void) => term.write('', action);
  /** The size that fits the container, within what the server accepts. */
  const fitting = () => {
    const size = fit.proposeDimensions();
    if (!size || !Number.isFinite(size.cols) || !Number.isFinite(size.rows)) return undefined;
    return {
      cols: clamp(size.cols, terminalSize.cols.minValue ?? 2, terminalSize.cols.maxValue ?? 1000),
      rows: clamp(size.rows, terminalSize.rows.minValue ?? 1, terminalSize.rows.maxValue ?? 500),
    };
  };
  const updateMisfit = () => {
    const size = fitting();
    const next = size !== undefined && (size.cols !== term.cols || size.rows !== term.rows);
    if (next === misfit) return;
    misfit = next;
    options.onChange({ misfit });
  };
  const resizeTo = (cols: number, rows: number) =>
    inOrder(() => {
      term.resize(cols, rows);
      // The size on the element too, for people's tools and tests: `data-cols`, `data-rows`.
      container.dataset.cols = String(cols);
      container.dataset.rows = String(rows);
      updateMisfit();
    });

  const setReadOnly = (value: boolean) => {
    readOnly = value;
    term.options.disableStdin = value;
    options.onChange({ readOnly: value });
  };
  const showExit = (code: number | null) => {
    if (exited) return;
    exited = true;
    term.write(exitLine(code) + HIDE_CURSOR);
    options.onChange({ exit: { code } });
  };
  /** Tells the server the size that fits the container; `force` after a (re)connect, where the server forgot it. */
  const requestSize = (force: boolean) => {
    updateMisfit();
    const size = fitting();
    if (!size) return;
    const key = `${size.cols}x${size.rows}`;
    if (!force && key === requested) return;
    if (socket.send({ type: 'resize', ...size })) requested = key;
  };

  const socket = new TerminalSocket(options.url, {
    output: (data, done) => term.write(data, done),
    status: (status) => options.onChange({ status }),
    frame: (frame) => {
      switch (frame.type) {
        case 'snapshot':
          setReadOnly(frame.readOnly);
          options.onChange({ error: undefined });
          exited = false;
          inOrder(() => term.reset());
          resizeTo(frame.cols, frame.rows);
          term.write(frame.data);
          if (frame.terminal.state === 'exited') showExit(frame.terminal.exitCode);
          requestSize(true);
          return;
        case 'resize':
          resizeTo(frame.cols, frame.rows);
          return;
        case 'error':
          // The server refuses to attach a terminal whose process ended: that is its exit, not a failure.
          if (frame.id === 'terminal_exited') return showExit(null);
          options.onChange({ error: frame.message });
          return;
        case 'exit':
          showExit(frame.exitCode);
          return;
      }
    },
  });

  term.options.disableStdin = readOnly;
  const typing = term.onData((data) => {
    if (!readOnly && !exited) socket.input(options.transformInput ? options.transformInput(data) : data);
  });
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  const observer = new ResizeObserver(() => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => requestSize(false), RESIZE_DEBOUNCE_MS);
  });
  observer.observe(container);
  socket.open();

  return {
    close() {
      socket.close();
      observer.disconnect();
      clearTimeout(resizeTimer);
      typing.dispose();
    },
    fitToMe() {
      const size = fitting();
      if (size && !readOnly && !exited) socket.send({ type: 'fit', ...size });
    },
  };
}
