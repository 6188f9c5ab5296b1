import { useEffect, useRef, useState } from 'react';

interface ConfirmButtonProps {
  /** Text of the first button, e.g. "Revoke". */
  label: string;
  /** Question shown in place of the button, e.g. 'Revoke token "ci"?' */
  prompt: string;
  /** Text of the button that really does it, e.g. "Confirm revoke". */
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  /** Names the first button when its text alone would not (an icon, "×"). */
  ariaLabel?: string;
  /** Replaces the first button's classes. */
  className?: string;
}

/**
 * A destructive action in two clicks, inline rather than in window.confirm(),
 * which phones render poorly and browser automation dismisses by default.
 */
export function ConfirmButton({
  label,
  prompt,
  confirmLabel,
  onConfirm,
  disabled,
  ariaLabel,
  className = 'button button-danger-quiet',
}: ConfirmButtonProps) {
  const [asking, setAsking] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  if (!asking) {
    return (
      <button
        type="button"
        className={className}
        aria-label={ariaLabel}
        disabled={disabled}
        onClick={() => setAsking(true)}
      >
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={prompt}>
      <span className="confirm-prompt">{prompt}</span>
      <button
        ref={confirmRef}
        type="button"
        className="button button-danger"
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}
