import type { Terminal } from '@hangar/protocol';
import { useEffect, useRef, useState } from 'react';
import { terminalSocketUrl } from '../../api/terminals';
import { bindTerminal, type TerminalViewState } from './bind-terminal';
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
  return { status: 'connecting', readOnly, error: undefined, exit: undefined };
}

/** One terminal, live: its screen, connection state, search, and what to do when it ends. */
export function TerminalView(props: TerminalViewProps) {
  const { workspaceId, terminal, readOnly, autoFocus } = props;
  const containerRef = useRef<HTMLDivElement>(null);
  const xterm = useXterm(containerRef);
  const [state, setState] = useState(() => initialState(readOnly));
  /** Bumped to connect again after the server refused the connection. */
  const [session, setSession] = useState(0);
  const latest = useRef({ readOnly, onLost: props.onLost });
  /** The extra-keys bar's sticky Ctrl: the state draws the button, the ref is read as input arrives. */
  const [ctrl, setCtrlState] = useState(false);
  const ctrlRef = useRef(false);
  const setCtrl = (on: boolean) => {
    ctrlRef.current = on;
    setCtrlState(on);
  };
  useEffect(() => {
    latest.current = { readOnly, onLost: props.onLost };
  });

  useEffect(() => {
    const container = containerRef.current;
    if (!xterm || !container) return;
    setState(initialState(latest.current.readOnly));
    if (autoFocus) xterm.term.focus();
    return bindTerminal(xterm, container, {
      url: terminalSocketUrl(workspaceId, terminal.id),
      readOnly: latest.current.readOnly,
      transformInput: (data) => {
        if (!ctrlRef.current) return data;
        ctrlRef.current = false;
        setCtrlState(false);
        return withCtrl(data);
      },
      onChange: (patch) => {
        if (patch.status === 'reconnecting') latest.current.onLost();
        setState((current) => ({ ...current, ...patch }));
      },
    });
    // autoFocus only matters when connecting.
  }, [xterm, workspaceId, terminal.id, session]);

  const status = state.exit ? 'Exited' : STATUS_TEXT[state.status];
  return (
    <div className="terminal-view" role="tabpanel" id={props.panelId} aria-labelledby={props.labelledBy}>
      <div className="terminal-bar">
        <span role="status" className={`badge ${state.exit ? 'badge-muted' : STATUS_TONE[state.status]}`}>
          {status}
        </span>
        {state.readOnly ? <span className="badge badge-muted">read-only</span> : null}
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
        <div className="alert alert-warning terminal-note">
          <span>The process exited{state.exit.code === null ? '' : ` with code ${state.exit.code}`}.</span>
          {props.canClose ? (
            <button type="button" className="button button-small" onClick={props.onClose}>
              Close terminal
            </button>
          ) : null}
        </div>
      ) : null}
      <div ref={containerRef} className="terminal-screen" data-terminal-id={terminal.id} />
      {xterm && !state.readOnly && !state.exit ? (
        <ExtraKeysBar term={xterm.term} ctrl={ctrl} onCtrl={setCtrl} />
      ) : null}
    </div>
  );
}
