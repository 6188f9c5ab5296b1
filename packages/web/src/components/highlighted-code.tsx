import { useEffect, useMemo, useState, type ReactNode } from 'react';
import { highlightLoaded, loadGrammar, type HighlightNode } from './highlight';
import './highlighted-code.css';

/** `title function_` → `hl-title hl-function_`: one class per highlight.js scope part. */
function classesOf(scope: string): string {
  return scope
    .split(/\s+/)
    .filter(Boolean)
    .map((part) => `hl-${part.replace(/\./g, '-')}`)
    .join(' ');
}

export function renderHighlight(nodes: HighlightNode[]): ReactNode[] {
  return nodes.map((node, index) =>
    typeof node === 'string' ? (
      node
    ) : (
      <span key={index} className={classesOf(node.scope)}>
        {renderHighlight(node.children)}
      </span>
    ),
  );
}

/**
 * `code` highlighted with the grammar for `lang` (a fence name or file extension): plain text
 * at first, coloured once the grammar's chunk has loaded; always plain for unknown languages.
 */
export function HighlightedCode({ code, lang }: { code: string; lang: string }) {
  const [ready, setReady] = useState(0);
  const tree = useMemo(() => highlightLoaded(code, lang), [code, lang, ready]);
  const missing = tree === null;
  useEffect(() => {
    if (!missing) return;
    let live = true;
    loadGrammar(lang).then(
      (found) => {
        if (found && live) setReady((n) => n + 1);
      },
      () => undefined, // offline: stay plain
    );
    return () => {
      live = false;
    };
  }, [lang, missing]);
  return <>{tree ? renderHighlight(tree) : code}</>;
}
