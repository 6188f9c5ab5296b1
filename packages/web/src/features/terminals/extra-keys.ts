/**
 * The bytes the extra-keys bar sends, as a terminal keyboard would: the
 * phone's own keyboard has no Esc, Tab, Ctrl or arrows.
 */
export type ExtraKey = 'Escape' | 'Tab' | 'ArrowUp' | 'ArrowDown' | 'ArrowRight' | 'ArrowLeft';

const ARROW_LETTER: Record<string, string> = {
  ArrowUp: 'A',
  ArrowDown: 'B',
  ArrowRight: 'C',
  ArrowLeft: 'D',
};

/**
 * `applicationCursor` is DECCKM, set by full-screen programs (vim, less):
 * arrows are then ESC O x instead of ESC [ x. With Ctrl, arrows are ESC [1;5x
 * (xterm's modifier 5), which shells use to move by word.
 */
export function keySequence(key: ExtraKey, options: { ctrl: boolean; applicationCursor: boolean }): string {
  if (key === 'Escape') return '\x1b';
  if (key === 'Tab') return '\t';
  const letter = ARROW_LETTER[key] ?? '';
  if (options.ctrl) return `\x1b[1;5${letter}`;
  return options.applicationCursor ? `\x1bO${letter}` : `\x1b[${letter}`;
}

/**
 * Ctrl held over typed text: the first character becomes its control code
 * (c → ETX 0x03, [ → ESC, ? → DEL), as a hardware keyboard sends it; the rest
 * passes as typed. Characters with no control code pass unchanged.
 */
export function withCtrl(data: string): string {
  const first = data[0];
  if (first === undefined) return data;
  const rest = data.slice(1);
  if (first === '?') return `\x7f${rest}`;
  if (first === ' ') return `\x00${rest}`;
  const code = first.toUpperCase().charCodeAt(0);
  // '@' (0x40) through '_' (0x5f): A–Z and @ [ \ ] ^ _ map to 0x00–0x1f.
  if (code >= 0x40 && code <= 0x5f) return String.fromCharCode(code & 0x1f) + rest;
  return data;
}
