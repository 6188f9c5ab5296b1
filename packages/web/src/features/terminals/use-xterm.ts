import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { WebLinksAddon } from '@xterm/addon-web-links';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import { useEffect, useState, type RefObject } from 'react';
import { prefersDark, terminalFont, terminalTheme, usePrefersDark } from './xterm-theme';

/** Lines kept above the screen; the server's snapshot restores up to its own limit. */
const SCROLLBACK_LINES = 5000;
/** xterm.js lightens or darkens text to reach this contrast against its background (1 = never). */
const LIGHT_MIN_CONTRAST = 4.5;

export interface Xterm {
  term: Terminal;
  fit: FitAddon;
  search: SearchAddon;
}

function contrast(dark: boolean): number {
  return dark ? 1 : LIGHT_MIN_CONTRAST;
}

/** An xterm.js terminal opened in `containerRef`'s element, with fit, search and web-link addons. */
export function useXterm(containerRef: RefObject<HTMLElement | null>): Xterm | undefined {
  const [xterm, setXterm] = useState<Xterm>();
  const dark = usePrefersDark();

  useEffect(() => {
    const container = containerRef.current;
    if (!container) return;
    const initiallyDark = prefersDark();
    const term = new Terminal({
      theme: terminalTheme(initiallyDark),
      minimumContrastRatio: contrast(initiallyDark),
      fontFamily: terminalFont(),
      fontSize: 13,
      scrollback: SCROLLBACK_LINES,
      cursorBlink: true,
      // The search addon highlights matches with decorations, which xterm.js 6 still calls proposed API.
      allowProposedApi: true,
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.loadAddon(new WebLinksAddon());
    term.open(container);
    fit.fit();
    setXterm({ term, fit, search });
    return () => {
      setXterm(undefined);
      term.dispose();
    };
  }, [containerRef]);

  useEffect(() => {
    if (!xterm) return;
    xterm.term.options.theme = terminalTheme(dark);
    xterm.term.options.minimumContrastRatio = contrast(dark);
  }, [xterm, dark]);

  return xterm;
}
