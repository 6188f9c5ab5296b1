import { useEffect, useRef, useState } from 'react';
import { useMatch, useNavigate } from 'react-router-dom';
import { workspaceUrl } from '../workspaces/workspace-list';
import { CommandPalette, WORKSPACE_TABS } from './command-palette';
import { ShortcutsDialog } from './shortcuts-dialog';

/** A "g" waits this long for its second key, in milliseconds. */
const SEQUENCE_MS = 1200;
const GO_TO: Record<string, string> = { w: '/', u: '/usage', a: '/account' };

type Open = 'none' | 'palette' | 'shortcuts';

/** Typing into a field, an editor or a terminal (xterm.js listens on a textarea): keys are theirs. */
function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable || target.closest('input, textarea, select, [role="textbox"], .xterm') !== null
  );
}

/** Opens the command palette from anywhere (the topbar's Search button dispatches this). */
export function openCommandPalette(): void {
  window.dispatchEvent(new Event('hangar:palette'));
}

/** The app-wide keyboard shortcuts (listed in shortcuts-dialog.tsx) and the dialogs they open. */
export function GlobalKeys() {
  const [open, setOpen] = useState<Open>('none');
  const navigate = useNavigate();
  const workspace = useMatch('/workspaces/:id/*');
  const workspaceId = workspace?.params.id;
  const pendingG = useRef(0);

  useEffect(() => {
    const onPalette = () => setOpen('palette');
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const key = event.key.toLowerCase();
      // Cmd-K everywhere; Ctrl-K everywhere but a terminal, where it is readline's kill-line.
      if (key === 'k' && (event.metaKey || (event.ctrlKey && !isInTerminal(event.target))) && !event.altKey) {
        event.preventDefault();
        setOpen((now) => (now === 'palette' ? 'none' : 'palette'));
        return;
      }
      if (isTyping(event.target) || event.ctrlKey || event.metaKey) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.altKey) {
        const tab = WORKSPACE_TABS[Number(event.code.replace('Digit', '')) - 1];
        if (workspaceId && tab && /^Digit[1-4]$/.test(event.code)) {
          event.preventDefault();
          void navigate(`${workspaceUrl(workspaceId)}?tab=${tab.key}`);
        }
        return;
      }
      if (event.key === '?') {
        event.preventDefault();
        setOpen('shortcuts');
      } else if (event.key === '/') {
        const search = document.querySelector<HTMLInputElement>('main input[type="search"]');
        if (search) {
          event.preventDefault();
          search.focus();
        }
      } else if (key === 'g') {
        pendingG.current = Date.now();
        return;
      } else if (Date.now() - pendingG.current < SEQUENCE_MS && GO_TO[key]) {
        event.preventDefault();
        void navigate(GO_TO[key]);
      }
      pendingG.current = 0;
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('hangar:palette', onPalette);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('hangar:palette', onPalette);
    };
  }, [navigate, workspaceId]);

  const close = () => setOpen('none');
  if (open === 'palette')
    return <CommandPalette onClose={close} onShowShortcuts={() => setOpen('shortcuts')} />;
  if (open === 'shortcuts') return <ShortcutsDialog onClose={close} />;
  return null;
}

function isInTerminal(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('.xterm') !== null;
}
