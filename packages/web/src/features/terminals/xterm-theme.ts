import type { ITheme } from '@xterm/xterm';
import { useSyncExternalStore } from 'react';

const DARK_QUERY = '(prefers-color-scheme: dark)';

// ANSI colours after VS Code's terminal defaults, which read well on either background.
const LIGHT_ANSI: ITheme = {
  black: '#000000',
  red: '#cd3131',
  green: '#107c10',
  yellow: '#949800',
  blue: '#0451a5',
  magenta: '#bc05bc',
  cyan: '#0598bc',
  white: '#555555',
  brightBlack: '#666666',
  brightRed: '#cd3131',
  brightGreen: '#14ce14',
  brightYellow: '#b5ba00',
  brightBlue: '#0451a5',
  brightMagenta: '#bc05bc',
  brightCyan: '#0598bc',
  brightWhite: '#a5a5a5',
  selectionBackground: 'rgba(52, 87, 213, 0.25)',
};
const DARK_ANSI: ITheme = {
  black: '#000000',
  red: '#cd3131',
  green: '#0dbc79',
  yellow: '#e5e510',
  blue: '#2472c8',
  magenta: '#bc3fbc',
  cyan: '#11a8cd',
  white: '#e5e5e5',
  brightBlack: '#666666',
  brightRed: '#f14c4c',
  brightGreen: '#23d18b',
  brightYellow: '#f5f543',
  brightBlue: '#3b8eea',
  brightMagenta: '#d670d6',
  brightCyan: '#29b8db',
  brightWhite: '#e5e5e5',
  selectionBackground: 'rgba(123, 151, 255, 0.35)',
};

function cssVariable(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return value === '' ? fallback : value;
}

/** The terminal's colours, from the page's CSS variables so it follows light and dark mode. */
export function terminalTheme(dark: boolean): ITheme {
  const background = cssVariable('--bg', dark ? '#14161a' : '#f6f7f9');
  const foreground = cssVariable('--text', dark ? '#e6e8eb' : '#1b1f24');
  return {
    ...(dark ? DARK_ANSI : LIGHT_ANSI),
    background,
    foreground,
    cursor: foreground,
    cursorAccent: background,
  };
}

/** The page's font stack for code, for xterm.js (which needs it as a plain string). */
export function terminalFont(): string {
  return cssVariable('--mono', 'monospace');
}

export function prefersDark(): boolean {
  return window.matchMedia(DARK_QUERY).matches;
}

function subscribe(onChange: () => void): () => void {
  const query = window.matchMedia(DARK_QUERY);
  query.addEventListener('change', onChange);
  return () => query.removeEventListener('change', onChange);
}

/** Whether the system is in dark mode, re-rendering when it switches. */
export function usePrefersDark(): boolean {
  return useSyncExternalStore(subscribe, prefersDark);
}
