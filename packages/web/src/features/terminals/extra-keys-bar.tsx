import type { Terminal } from '@xterm/xterm';
import type { PointerEvent } from 'react';
import { keySequence, type ExtraKey } from './extra-keys';

const KEYS: readonly { key: ExtraKey; label: string; name: string }[] = [
  { key: 'Escape', label: 'Esc', name: 'Esc' },
  { key: 'Tab', label: 'Tab', name: 'Tab' },
  { key: 'ArrowLeft', label: '←', name: 'Left arrow' },
  { key: 'ArrowUp', label: '↑', name: 'Up arrow' },
  { key: 'ArrowDown', label: '↓', name: 'Down arrow' },
  { key: 'ArrowRight', label: '→', name: 'Right arrow' },
];
/** Characters a phone keyboard hides a page or two away. */
const SYMBOLS = ['|', '~', '/', '-'];

interface ExtraKeysBarProps {
  term: Terminal;
  /** Ctrl is sticky: on until the next key, from this bar or the keyboard. */
  ctrl: boolean;
  onCtrl: (on: boolean) => void;
}

/** Keeps focus (and the phone's keyboard) on the terminal while a key of the bar is pressed. */
const keepFocus = (event: PointerEvent) => event.preventDefault();

/**
 * Esc, Tab, Ctrl and arrows for touch screens, above the terminal. The keys
 * go through xterm.js as typed input, so they reach the same socket, in order
 * with what the keyboard types.
 */
export function ExtraKeysBar({ term, ctrl, onCtrl }: ExtraKeysBarProps) {
  const send = (data: string) => {
    onCtrl(false);
    term.input(data, true);
    term.focus();
  };
  const keyButton = ({ key, label, name }: (typeof KEYS)[number]) => (
    <button
      key={key}
      type="button"
      className="extra-key"
      aria-label={name}
      onPointerDown={keepFocus}
      onClick={() =>
        send(keySequence(key, { ctrl, applicationCursor: term.modes.applicationCursorKeysMode }))
      }
    >
      {label}
    </button>
  );
  return (
    <div className="terminal-extra-keys" role="toolbar" aria-label="Extra keys">
      {KEYS.slice(0, 2).map(keyButton)}
      <button
        type="button"
        className="extra-key"
        aria-pressed={ctrl}
        onPointerDown={keepFocus}
        onClick={() => {
          onCtrl(!ctrl);
          term.focus();
        }}
      >
        Ctrl
      </button>
      {KEYS.slice(2).map(keyButton)}
      {SYMBOLS.map((symbol) => (
        // As typed text, so a sticky Ctrl applies to it as to the keyboard's keys.
        <button
          key={symbol}
          type="button"
          className="extra-key"
          onPointerDown={keepFocus}
          onClick={() => {
            term.input(symbol, true);
            term.focus();
          }}
        >
          {symbol}
        </button>
      ))}
    </div>
  );
}
