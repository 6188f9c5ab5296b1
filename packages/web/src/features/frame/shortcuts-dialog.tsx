import { Modal } from '../../components/modal';

/** What each key does; global-keys.tsx implements them. */
export const SHORTCUTS: readonly { keys: string[]; what: string }[] = [
  { keys: ['Ctrl', 'K'], what: 'Open the command palette (⌘K on a Mac)' },
  { keys: ['?'], what: 'Show these shortcuts' },
  { keys: ['/'], what: 'Search the workspace list' },
  { keys: ['g', 'w'], what: 'Go to workspaces' },
  { keys: ['g', 'u'], what: 'Go to usage' },
  { keys: ['g', 'a'], what: 'Go to your account' },
  { keys: ['Alt', '1–4'], what: 'Workspace page: Terminal, Agent, Files, Diff tab' },
  { keys: ['Esc'], what: 'Close a dialog' },
];

/** `?`: the keyboard shortcuts. Keys typed into a field or a terminal go there instead. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard shortcuts" onClose={onClose}>
      <dl className="shortcut-list">
        {SHORTCUTS.map((shortcut) => (
          <div key={shortcut.what} style={{ display: 'contents' }}>
            <dt>
              {shortcut.keys.map((key, index) => (
                <span key={key}>
                  {index > 0 ? ' ' : null}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{shortcut.what}</dd>
          </div>
        ))}
      </dl>
      <p className="muted small">
        Keys typed into a field or a terminal go there. In a terminal Ctrl-K is the shell’s; ⌘K or the Search
        button still open the palette.
      </p>
    </Modal>
  );
}
