import { useEffect, useId, useRef, useState } from 'react';

interface SecretBoxProps {
  /** Names the box, e.g. "New token secret". */
  label: string;
  value: string;
  warning: string;
  onDone: () => void;
}

/**
 * A value the server shows only once (token secret, invitation link), ready
 * to copy. Shown as text rather than in an input so it wraps on a phone and
 * can be found and selected like any other text.
 */
export function SecretBox({ label, value, warning, onDone }: SecretBoxProps) {
  const id = useId();
  const boxRef = useRef<HTMLDivElement>(null);
  const valueRef = useRef<HTMLElement>(null);
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'manual'>('idle');

  // Focus moves to the box when it appears, so its label and warning are read out.
  useEffect(() => {
    boxRef.current?.focus();
  }, [value]);

  async function copy(): Promise<void> {
    try {
      // The Clipboard API exists only in secure contexts (https or localhost).
      await navigator.clipboard.writeText(value);
      setCopyState('copied');
    } catch {
      selectValue();
      setCopyState('manual');
    }
  }

  function selectValue(): void {
    const node = valueRef.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
  }

  return (
    <div
      ref={boxRef}
      className="secret-box"
      role="group"
      aria-labelledby={`${id}-label`}
      aria-describedby={`${id}-warning`}
      tabIndex={-1}
    >
      <p id={`${id}-label`} className="secret-label">
        {label}
      </p>
      <p id={`${id}-warning`} className="secret-warning">
        {warning}
      </p>
      <div className="secret-row">
        <code ref={valueRef} className="secret-value" onClick={selectValue}>
          {value}
        </code>
        <button type="button" className="button button-primary" onClick={() => void copy()}>
          Copy
        </button>
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </div>
      <p role="status" className="field-hint">
        {copyState === 'copied' ? 'Copied to the clipboard.' : null}
        {copyState === 'manual' ? 'Selected: press Ctrl+C (or ⌘C) to copy.' : null}
      </p>
    </div>
  );
}
