import type { Terminal } from '@hangar/protocol';
import { useEffect, useRef, useState } from 'react';
import { terminalSocketUrl } from '../../api/terminals';
import { bindTerminal, type BoundTerminal, type TerminalViewState } from './bind-terminal';
import { exitLine } from './frames';
import { withCtrl } from './extra-keys';
import { ExtraKeysBar } from './extra-keys-bar';
import type { ConnectionStatus } from './terminal-socket';
import { TerminalSearch } from './terminal-search';
import { useXterm } from './use-xterm';

interface TerminalViewProps {
  workspaceId: string;
  terminal: Terminal;
  /** What the server is expected to say; its snapshot decides. */
  readOnly: boolean;
  canClose: boolean;
  autoFocus: boolean;
  /** The connection dropped: the terminal may have been closed by someone else. */
  onLost(): void;
  onClose(): void;
  /** Opens a new terminal like this one in its place (after it exited); absent for watchers. */
  onRestart?: () => void;
  restarting?: boolean;
  /** Wires the screen to the tab that shows it. */
  panelId: string;
  labelledBy: string;
}

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Reconnecting…',
  ended: 'Disconnected',
};
const STATUS_TONE: Record<ConnectionStatus, string> = {
  connecting: 'badge-warn',
  connected: 'badge-ok',
  reconnecting: 'badge-warn',
  ended: 'badge-muted',
};

function initialState(readOnly: boolean): TerminalViewState {
  return { status: 'connecting', readOnly, error: undefined, exit: undefined, misfit: false };
}

/** "Exited (code 2)", or "Exited" when the server does not know the code. */
export function exitedText(code: number | null): string {
  return code === null ? 'Exited' : `Exited (code ${code})`;
}

/** One terminal, live: its screen, connection state, search, and what to do when it ends. */
export function TerminalView(props: TerminalViewProps) {
  const { workspaceId, terminal, readOnly, autoFocus } = props;
  const containerRef = useRef<HTMLDivElement>(null);
  const xterm = useXterm(containerRef);
  const [state, setState] = useState(() => initialState(readOnly));
  /** Bumped to connect again after the server refused the connection. */
  const [session, setSession] = useState(0);
  const exitedBefore = terminal.state === 'exited' ? { code: terminal.exitCode } : undefined;
  const latest = useRef({ readOnly, onLost: props.onLost, exitedBefore });
  const bound = useRef<BoundTerminal>(undefined);
  /** The extra-keys bar's sticky Ctrl: the state draws the button, the ref is read as input arrives. */
  const [ctrl, setCtrlState] = useState(false);
  const ctrlRef = useRef(false);
  const setCtrl = (on: boolean) => {
    ctrlRef.current = on;
    setCtrlState(on);
  };
  useEffect(() => {
    latest.current = { readOnly, onLost: props.onLost, exitedBefore };
  });

  useEffect(() => {
    const container = containerRef.current;
    if (!xterm || !container) return;
    const ended = latest.current.exitedBefore;
    if (ended) {
      // Nothing to attach to: the server refuses an exited terminal, so say so without trying.
      xterm.term.write(exitLine(ended.code));
      setState({ ...initialState(latest.current.readOnly), status: 'ended', exit: ended });
      return;
    }
    setState(initialState(latest.current.readOnly));
    if (autoFocus) xterm.term.focus();
    const binding = bindTerminal(xterm, container, {
      url: terminalSocketUrl(workspaceId, terminal.id),
      readOnly: latest.current.readOnly,
      transformInput: (data) => {
        if (!ctrlRef.current) return data;
        ctrlRef.current = false;
        setCtrlState(false);
        return withCtrl(data);
      },
      onChange: (patch) => {
        // Dropped, or ended: the list learns the terminal's state (and exit code) afresh.
        if (patch.status === 'reconnecting' || patch.exit) latest.current.onLost();
        setState((current) => ({ ...current, ...patch }));
      },
    });
    bound.current = binding;
    return () => {
      bound.current = undefined;
      binding.close();
    };
    // autoFocus only matters when connecting.
  }, [xterm, workspaceId, terminal.id, session]);

  // The exit frame may not know the code that the terminal's row has since recorded.
  const exitCode = state.exit
    ? (state.exit.code ?? (terminal.state === 'exited' ? terminal.exitCode : null))
    : null;
  const status = state.exit ? exitedText(exitCode) : STATUS_TEXT[state.status];
  const canFit = !state.readOnly && !state.exit && state.status === 'connected' && state.misfit;
  return (
    <div className="terminal-view" role="tabpanel" id={props.panelId} aria-labelledby={props.labelledBy}>
      <div className="terminal-bar">
        <span role="status" className={`badge ${state.exit ? 'badge-muted' : STATUS_TONE[state.status]}`}>
          {status}
        </span>
        {state.readOnly ? <span className="badge badge-muted">read-only</span> : null}
        {canFit ? (
          <button
            type="button"
            className="button button-small"
            title="Resize the terminal to this screen, for everyone watching it"
            onClick={() => bound.current?.fitToMe()}
          >
            Fit to me
          </button>
        ) : null}
        <TerminalSearch search={xterm?.search} />
      </div>
      {state.error && !state.exit ? (
        <div role="alert" className="alert alert-error terminal-note">
          <span>{state.error}</span>
          {state.status === 'ended' ? (
            <button type="button" className="button button-small" onClick={() => setSession((n) => n + 1)}>
              Reconnect
            </button>
          ) : null}
        </div>
      ) : null}
      {state.exit ? (
        <ExitedNote
          code={exitCode}
          onRestart={props.onRestart}
          restarting={props.restarting ?? false}
          onClose={props.canClose ? props.onClose : undefined}
        />
      ) : null}
      <div ref={containerRef} className="terminal-screen" data-terminal-id={terminal.id} />
      {xterm && !state.readOnly && !state.exit ? (
        <ExtraKeysBar term={xterm.term} ctrl={ctrl} onCtrl={setCtrl} />
      ) : null}
    </div>
  );
}

interface ExitedNoteProps {
  code: number | null;
  onRestart: (() => void) | undefined;
  restarting: boolean;
  onClose: (() => void) | undefined;
}

/** The one state of a terminal whose process ended, with what can be done about it. */
export function ExitedNote({ code, onRestart, restarting, onClose }: ExitedNoteProps) {
  return (
    <div className="alert alert-warning terminal-note">
      <span>
        The process exited{code === null ? '' : ` with code ${code}`}.
        {onRestart ? '' : ' Editors and owners can start it again.'}
      </span>
      {onRestart || onClose ? (
        <span className="button-row">
          {onRestart ? (
            <button
              type="button"
              className="button button-small button-primary"
              disabled={restarting}
              onClick={onRestart}
            >
              {restarting ? 'Restarting…' : 'Restart'}
            </button>
          ) : null}
          {onClose ? (
            <button type="button" className="button button-small" onClick={onClose}>
              Close terminal
            </button>
          ) : null}
        </span>
      ) : null}
    </div>
  );
}
