/**
 * ANSI styling, only for a terminal: off when the stream is not a TTY, when
 * NO_COLOR is set (https://no-color.org), or for TERM=dumb.
 */
export function colourEnabled(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

const CODES = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  grey: [90, 39],
} as const;
export type StyleName = keyof typeof CODES;

export type Styler = Record<StyleName, (text: string) => string>;

export function styler(enabled: boolean): Styler {
  const entries = Object.entries(CODES).map(([name, [open, close]]) => [
    name,
    enabled ? (text: string) => `\x1b[${open}m${text}\x1b[${close}m` : (text: string) => text,
  ]);
  return Object.fromEntries(entries) as Styler;
}

/** Styles for stdout and stderr, decided once per run. */
export const out = styler(colourEnabled(process.stdout));
export const err = styler(colourEnabled(process.stderr));
